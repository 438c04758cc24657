/**
 * PDF object syntax (ISO 32000-1 §7.2–7.3) over bytes: a hand-written lexer and parser, one
 * pass per token, no regular expressions on the file's bytes. Nesting is capped so a file of
 * `[[[[…` fails fast instead of exhausting the stack. Dictionary entries keep the bytes they
 * were written as, so an update can copy them without re-encoding anything.
 */
import { FormatError, latin1 } from './bytes'

export type PdfValue =
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'name'; value: string }
  | { kind: 'string'; bytes: Uint8Array }
  | { kind: 'ref'; num: number; gen: number }
  | { kind: 'array'; items: PdfValue[] }
  | { kind: 'dict'; dict: PdfDict }

export interface DictEntry {
  value: PdfValue
  /** `/Key value` as written in the file. */
  raw: Uint8Array
}

export type PdfDict = Map<string, DictEntry>

interface Parsed<T> {
  value: T
  /** The offset just after what was parsed. */
  end: number
}

/** Deeper than any real file nests (Acrobat's own implementation limit is 28). */
const MAX_DEPTH = 64

export const isWhite = (c: number | undefined) => c === 0 || c === 9 || c === 10 || c === 12 || c === 13 || c === 32
const DELIMITERS = new Set([...'()<>[]{}/%'].map((c) => c.charCodeAt(0)))
const isRegular = (c: number | undefined) => c !== undefined && !isWhite(c) && !DELIMITERS.has(c)
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39

export const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

/** Past whitespace and comments. */
export function skipSpace(bytes: Uint8Array, at: number): number {
  while (at < bytes.length) {
    const c = bytes[at]
    if (isWhite(c)) at++
    else if (c === 0x25) while (at < bytes.length && bytes[at] !== 10 && bytes[at] !== 13) at++
    else break
  }
  return at
}

/** A run of regular characters (a keyword, number or name body) starting at `at`. */
function regularRun(bytes: Uint8Array, at: number): number {
  let end = at
  while (isRegular(bytes[end])) end++
  return end
}

/** The keyword at `at` (after whitespace), e.g. `obj`, `xref`, `trailer`. */
export function keyword(bytes: Uint8Array, at: number): Parsed<string> {
  const start = skipSpace(bytes, at)
  const end = regularRun(bytes, start)
  if (end - start > 16) return { value: '', end: start }
  return { value: latin1(bytes, start, end), end }
}

/** A non-negative integer at `at` (after whitespace), or undefined when there is none. */
export function integer(bytes: Uint8Array, at: number): Parsed<number> | undefined {
  const start = skipSpace(bytes, at)
  let end = start
  let value = 0
  while (isDigit(bytes[end])) value = value * 10 + bytes[end++]! - 0x30
  if (end === start || isRegular(bytes[end]) || !Number.isSafeInteger(value)) return undefined
  return { value, end }
}

export function needInteger(bytes: Uint8Array, at: number, what: string): Parsed<number> {
  const found = integer(bytes, at)
  if (!found) throw new FormatError(`expected ${what} at offset ${skipSpace(bytes, at)}`)
  return found
}

export function parseValue(bytes: Uint8Array, at: number, depth = 0): Parsed<PdfValue> {
  if (depth > MAX_DEPTH) throw new FormatError(`PDF objects nested deeper than ${MAX_DEPTH}`)
  const start = skipSpace(bytes, at)
  const c = bytes[start]
  if (c === undefined) throw new FormatError('truncated PDF object')
  if (c === 0x2f) {
    const found = name(bytes, start)
    return { value: { kind: 'name', value: found.value }, end: found.end }
  }
  if (c === 0x28) return literalString(bytes, start)
  if (c === 0x3c && bytes[start + 1] === 0x3c) return dictionary(bytes, start, depth)
  if (c === 0x3c) return hexString(bytes, start)
  if (c === 0x5b) return array(bytes, start, depth)
  if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return numberOrRef(bytes, start)
  const word = keyword(bytes, start)
  if (word.value === 'true' || word.value === 'false') return { value: { kind: 'bool', value: word.value === 'true' }, end: word.end }
  if (word.value === 'null') return { value: { kind: 'null' }, end: word.end }
  throw new FormatError(`unexpected ${word.value ? `keyword ${word.value}` : `byte 0x${c.toString(16)}`} at offset ${start} of the PDF`)
}

function name(bytes: Uint8Array, start: number): Parsed<string> {
  const end = regularRun(bytes, start + 1)
  let value = ''
  // #xx is a hex-coded byte (§7.3.5).
  for (let i = start + 1; i < end; i++) {
    const hex = bytes[i] === 0x23 ? hexDigit(bytes[i + 1]) * 16 + hexDigit(bytes[i + 2]) : NaN
    if (Number.isNaN(hex)) value += String.fromCharCode(bytes[i]!)
    else {
      value += String.fromCharCode(hex)
      i += 2
    }
  }
  return { value, end }
}

function hexDigit(c: number | undefined): number {
  if (c === undefined) return NaN
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : NaN
}

const ESCAPES: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 }

/** `( … )` with balanced parentheses and the escapes of §7.3.4.2; an unescaped EOL reads as LF. */
function literalString(bytes: Uint8Array, start: number): Parsed<PdfValue> {
  const out: number[] = []
  let depth = 1
  let i = start + 1
  while (i < bytes.length) {
    const c = bytes[i++]!
    if (c === 0x5c) {
      const e = bytes[i++]
      if (e === undefined) break
      if (e === 13) {
        if (bytes[i] === 10) i++
      } else if (e === 10) {
        // A backslash before an EOL continues the line.
      } else if (e >= 0x30 && e <= 0x37) {
        let code = e - 0x30
        for (let k = 0; k < 2 && bytes[i]! >= 0x30 && bytes[i]! <= 0x37; k++) code = code * 8 + bytes[i++]! - 0x30
        out.push(code & 0xff)
      } else out.push(ESCAPES[e] ?? e)
    } else if (c === 13) {
      if (bytes[i] === 10) i++
      out.push(10)
    } else {
      if (c === 0x28) depth++
      else if (c === 0x29 && --depth === 0) return { value: { kind: 'string', bytes: Uint8Array.from(out) }, end: i }
      out.push(c)
    }
  }
  throw new FormatError(`unterminated PDF string at offset ${start}`)
}

function hexString(bytes: Uint8Array, start: number): Parsed<PdfValue> {
  const out: number[] = []
  let high: number | undefined
  for (let i = start + 1; i < bytes.length; i++) {
    const c = bytes[i]!
    if (c === 0x3e) {
      if (high !== undefined) out.push(high * 16)
      return { value: { kind: 'string', bytes: Uint8Array.from(out) }, end: i + 1 }
    }
    if (isWhite(c)) continue
    const digit = hexDigit(c)
    if (Number.isNaN(digit)) throw new FormatError(`bad hex string at offset ${start} of the PDF`)
    if (high === undefined) high = digit
    else {
      out.push(high * 16 + digit)
      high = undefined
    }
  }
  throw new FormatError(`unterminated hex string at offset ${start} of the PDF`)
}

function array(bytes: Uint8Array, start: number, depth: number): Parsed<PdfValue> {
  const items: PdfValue[] = []
  let at = start + 1
  for (;;) {
    at = skipSpace(bytes, at)
    if (at >= bytes.length) throw new FormatError(`unterminated array at offset ${start} of the PDF`)
    if (bytes[at] === 0x5d) return { value: { kind: 'array', items }, end: at + 1 }
    const item = parseValue(bytes, at, depth + 1)
    items.push(item.value)
    at = item.end
  }
}

function dictionary(bytes: Uint8Array, start: number, depth: number): Parsed<PdfValue> {
  const dict: PdfDict = new Map()
  let at = start + 2
  for (;;) {
    at = skipSpace(bytes, at)
    if (at >= bytes.length) throw new FormatError(`unterminated dictionary at offset ${start} of the PDF`)
    if (bytes[at] === 0x3e && bytes[at + 1] === 0x3e) return { value: { kind: 'dict', dict }, end: at + 2 }
    if (bytes[at] !== 0x2f) throw new FormatError(`a dictionary key is not a name at offset ${at} of the PDF`)
    const key = name(bytes, at)
    const value = parseValue(bytes, key.end, depth + 1)
    dict.set(key.value, { value: value.value, raw: bytes.subarray(at, value.end) })
    at = value.end
  }
}

/** A number, or `num gen R` when two non-negative integers are followed by R. */
function numberOrRef(bytes: Uint8Array, start: number): Parsed<PdfValue> {
  const num = integer(bytes, start)
  if (num) {
    const gen = integer(bytes, num.end)
    const r = gen && keyword(bytes, gen.end)
    if (gen && r && r.value === 'R') return { value: { kind: 'ref', num: num.value, gen: gen.value }, end: r.end }
    return { value: { kind: 'number', value: num.value }, end: num.end }
  }
  const end = regularRun(bytes, start)
  const value = end - start <= 32 ? Number(latin1(bytes, start, end)) : NaN
  if (!Number.isFinite(value)) throw new FormatError(`bad number at offset ${start} of the PDF`)
  return { value: { kind: 'number', value }, end }
}

export interface IndirectObject {
  num: number
  gen: number
  value: PdfValue
  /** Where the stream's data starts, for a stream object. */
  streamStart?: number
}

/** The indirect object `num gen obj … endobj` (or `… stream`) at `offset`. */
export function indirectObject(bytes: Uint8Array, offset: number): IndirectObject {
  const num = integer(bytes, offset)
  const gen = num && integer(bytes, num.end)
  const obj = gen && keyword(bytes, gen.end)
  if (!num || !gen || !obj || obj.value !== 'obj') throw new FormatError(`no object starts at offset ${offset} of the PDF: broken cross-reference offsets`)
  const value = parseValue(bytes, obj.end)
  const after = keyword(bytes, value.end)
  const found = { num: num.value, gen: gen.value, value: value.value }
  if (after.value === 'endobj') return found
  if (after.value !== 'stream' || value.value.kind !== 'dict') throw new FormatError(`object ${num.value} at offset ${offset} of the PDF has no endobj`)
  // The keyword is followed by CRLF or LF (§7.3.8.1); a lone CR is taken too.
  let streamStart = after.end
  if (bytes[streamStart] === 13) streamStart++
  if (bytes[streamStart] === 10) streamStart++
  return { ...found, streamStart }
}

/** Room for `num gen obj` and a little whitespace before it. */
const HEADER_WINDOW = 64

/**
 * True when `num gen obj` is what starts at `offset`: how each cross-reference entry is
 * checked. Read within a small window, so a million entries pointing into one long run of
 * digits or whitespace cost a million small reads, not a million scans of the run.
 */
export function objectStartsAt(bytes: Uint8Array, offset: number, num: number, gen: number): boolean {
  const head = bytes.subarray(offset, offset + HEADER_WINDOW)
  const n = integer(head, 0)
  const g = n && integer(head, n.end)
  return !!n && !!g && n.value === num && g.value === gen && keyword(head, g.end).value === 'obj' && keyword(head, g.end).end < head.length
}

export const dictValue = (dict: PdfDict, key: string) => dict.get(key)?.value

export function dictNumber(dict: PdfDict, key: string): number | undefined {
  const value = dictValue(dict, key)
  return value?.kind === 'number' ? value.value : undefined
}

export function dictName(dict: PdfDict, key: string): string | undefined {
  const value = dictValue(dict, key)
  return value?.kind === 'name' ? value.value : undefined
}
