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
