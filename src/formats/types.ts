/** What every carrier-format module offers: detect, read, write (verify is read + compare). */
import type { AudioMarkPosition } from '../audio/rhythm-mark'
import type { TextAffixes } from '../label/explicit-text'
import type { XmpSign, XmpVariant } from '../label/xmp'

/** A label written where or how the TC260 guide does not: XMP forms, and MP4's other metadata places. */
export type CarrierVariant = XmpVariant | 'mp4-moov-meta' | 'mp4-itunes-item'

export interface FoundLabel {
  /** Where the label sits, e.g. `png:iTXt:XML:com.adobe.xmp`, `png:tEXt:AIGC`, `jpeg:APP1:XMP`. */
  carrier: string
  /** `element`/`attribute`: XMP property forms; `text`: a plain text field. */
  form: 'element' | 'attribute' | 'text'
  /** The value as written: the label JSON, wrapped or not. */
  raw: string
  /** A label written in a way the TC260 guide does not (read anyway, replaced on write). */
  variant?: CarrierVariant
  /**
   * Set when the value is not a label but says something about one: IPTC's
   * DigitalSourceType, or an `AIGC` property of a namespace that is not TC260's.
   * Counting labels skips these (`isLabel`); a write keeps them.
   */
  sign?: XmpSign
}

export const isLabel = (found: FoundLabel) => found.sign === undefined

/**
 * Which bytes a label's content binding covers. 1: every byte but the label carriers;
 * 2 (labels written since C2PA support): also without the C2PA manifest store's carrier,
 * which is written after the label. A label says its version in its Bindings entry.
 */
export type BindingVersion = 1 | 2
export const CURRENT_BINDING: BindingVersion = 2

/** A C2PA manifest store in a file: its JUMBF bytes and the bytes its carrier spans. */
export interface FoundManifestStore {
  jumbf: Uint8Array
  /** The carrier (chunk or segments, headers included): what a C2PA data hash excludes. */
  start: number
  length: number
}

/** A file with room for a manifest store: the carrier's bytes are zero until `fill`. */
export interface ReservedManifestStore {
  file: Uint8Array
  start: number
  length: number
  /** Writes the store (exactly the reserved length) into the carrier, in place. */
  fill(jumbf: Uint8Array): void
}

/** Where an image format carries C2PA (PNG `caBX`, JPEG APP11 JUMBF, WebP `C2PA`). */
export interface C2paCarrier {
  find(bytes: Uint8Array): FoundManifestStore | undefined
  /** The file (which has no manifest store: a label write removes it) with room for one of `length` bytes. */
  reserve(bytes: Uint8Array, length: number): ReservedManifestStore
}

export interface CarrierFormat {
  name: 'png' | 'jpeg' | 'webp' | 'gif' | 'markdown' | 'html' | 'docx' | 'xlsx' | 'pptx' | 'pdf' | 'mp4' | 'mov' | 'm4a' | 'mp3' | 'aac' | 'wav' | 'flac' | 'ogg' | 'opus'
  /** The type a labelled file is answered with when the request declared none of `types`. */
  mime: string
  /** Other content types a request may declare for this format; the answer keeps the declared one. */
  types?: readonly string[]
  detect(bytes: Uint8Array): boolean
  /** Every label (and sign) in the file; throws FormatError on malformed input. */
  read(bytes: Uint8Array): FoundLabel[]
  /**
   * The file with exactly one label, `json`; everything else byte-identical but a C2PA
   * manifest store, which any change invalidates: it is removed (src/c2pa writes the new one).
   */
  write(bytes: Uint8Array, json: string): Uint8Array
  /**
   * The bytes a label's content binding covers: the file without the carriers a label
   * write replaces or adds (XMP, AIGC text, and headers whose fields the write changes).
   */
  content(bytes: Uint8Array, binding?: BindingVersion): Iterable<Uint8Array>
  /**
   * Text documents: the file with the tenant's explicit text label where a reader sees it
   * (before and/or after the body, as the affixes say). Formats without it take an image
   * mark (images), the audible one (`audibleMark`) or refuse a visible mark (video).
   */
  explicitText?(bytes: Uint8Array, affixes: TextAffixes): Uint8Array
  /** Images that carry C2PA Content Credentials. */
  c2pa?: C2paCarrier
  /** Audio that can take the rhythm mark without re-encoding its own samples (WAV, MP3). */
  audibleMark?(bytes: Uint8Array, position: AudioMarkPosition): Uint8Array
  /** Set when the tenant may turn `explicitText` off (PDF page text: labels.text.pdfPageText). */
  explicitTextOptional?: true
}
