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

/**
 * An answer that continues an assistant turn whose text the client already holds (a tool
 * loop: AI SDK `maxSteps`, agents) is appended to that text, after its end label: it opens
 * with the separator so that label stays apart from the new text, as every label is.
 */
export function continuedAffixes({ prefix, suffix }: TextAffixes): TextAffixes {
  return { prefix: SEPARATOR + prefix, suffix }
}

/** The end label alone: where a label decided only once the whole answer is known goes. */
export function endAffixes(label: TextLabel): TextAffixes {
  return affixesFor({ ...label, position: 'end' })
}

export function labelText(text: string, { prefix, suffix }: TextAffixes): string {
  return prefix + text + suffix
}
