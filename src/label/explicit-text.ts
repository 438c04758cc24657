/**
 * The explicit (visible) label for generated text: the rule on its wording and where
 * it goes. Pure string functions shared by every protocol adapter.
 */

export type TextLabelPosition = 'start' | 'end' | 'both'

export interface TextLabel {
  text: string
  position: TextLabelPosition
}

export const DEFAULT_TEXT_LABEL: TextLabel = { text: '本内容由人工智能生成', position: 'end' }

/** Keeps the label apart from the generated text without adding markup. */
const SEPARATOR = '\n\n'

/**
 * GB 45438-2025 §4 / Measures Art. 4: an explicit label names "AI" or "人工智能"
 * together with "生成" or "合成".
 */
export function explicitLabelProblem(text: string): string | undefined {
  if (!/AI|人工智能/.test(text)) return 'must contain "AI" or "人工智能"'
  if (!/生成|合成/.test(text)) return 'must contain "生成" or "合成"'
  return undefined
}

/** What to put before the first and after the last character of one text. */
export interface TextAffixes {
  prefix: string
  suffix: string
}

export function affixesFor(label: TextLabel): TextAffixes {
  return {
    prefix: label.position === 'end' ? '' : label.text + SEPARATOR,
    suffix: label.position === 'start' ? '' : SEPARATOR + label.text,
  }
}

export function labelText(text: string, { prefix, suffix }: TextAffixes): string {
  return prefix + text + suffix
}
