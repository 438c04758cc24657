/**
 * The numbers and wording rules of the Measures for Labeling AI-Generated Synthetic Content
 * and GB 45438-2025 that configuration is validated against and the labelling code applies,
 * each with where it comes from. Pure.
 */

/**
 * GB 45438-2025 §4 / Measures Art. 4: an explicit label names "AI" or "人工智能"
 * together with "生成" or "合成".
 */
export function explicitLabelProblem(text: string): string | undefined {
  if (!/AI|人工智能/.test(text)) return 'must contain "AI" or "人工智能"'
  if (!/生成|合成/.test(text)) return 'must contain "生成" or "合成"'
  return undefined
}

/** GB 45438-2025 §5.2 (images): the prompt text is at least 5% of the shortest side high. */
export const MIN_IMAGE_MARK_HEIGHT_RATIO = 0.05

/**
 * Measures Art. 9: the provider keeps the recipient's information and the logs of an
 * unlabelled delivery for at least six months.
 */
export const MIN_RETENTION_DAYS = 180

/**
 * GB 45438-2025 §5.3 (audio): the rhythm prompt is "短长短短", Morse code "AI" (· − · ·),
 * at the start, the end or in the middle. The standard fixes the rhythm only; the timing is
 * ITU-R M.1677-1 §2 (a dash is three dots, one dot between the elements of a letter,
 * three between letters). Each entry is [tone, then silence], in dots.
 */
export const RHYTHM_MARK_ELEMENTS: readonly (readonly [tone: number, gap: number])[] = [
  [1, 1], // A: ·
  [3, 3], // A: −, then the gap between letters
  [1, 1], // I: ·
  [1, 0], // I: ·
]

/**
 * The sound of the mark: the gateway's choices within what §5.3 leaves open, chosen so it
 * is heard as Morse (ITU-R M.1677-1 puts no number on speed or pitch; CW practice is
 * 10–12 words per minute, a 600–1000 Hz tone, shaped edges against key clicks).
 */
export const RHYTHM_MARK_SOUND = {
  /** One dot: 110 ms (100–120 ms, about 11 words per minute by PARIS timing). */
  dotMs: 110,
  /** The tone: 800 Hz (600–1000 Hz, where hearing is most sensitive and speech is thin). */
  toneHz: 800,
  /** Peak level: −12 dBFS, loud enough over speech, never clipping. */
  peakDbfs: -12,
  /** Raised-cosine rise and fall of each tone: 7 ms (5–10 ms, no clicks, crisp onsets). */
  edgeMs: 7,
  /** Silence between the mark and the content: 250 ms, so the mark is not heard as speech. */
  separationMs: 250,
} as const
