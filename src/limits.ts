/**
 * Every budget an attacker-controlled size is checked against, in one place, each with the
 * reason for its value. Checks run before the work they guard (a length field is checked
 * before the buffer it names is allocated), and exceeding one is a LimitError that names the
 * limit: routes answer it with the limit's status (413 for sizes a client chose, 422 for a
 * file whose structure claims too much).
 */
import { FormatError } from './formats/bytes'

export interface Limit {
  /** Stable name, sent to clients in the error's `param`. */
  readonly name: string
  readonly max: number
  readonly unit: 'bytes' | 'pixels' | 'count'
  readonly status: 413 | 422
  /** Why the value is what it is. */
  readonly why: string
}

const MiB = 1024 * 1024

export const LIMITS = {
  uploadBytes: {
    name: 'upload_bytes',
    max: 50 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'one file held in memory with its labelled copy must leave room in a 128 MB isolate',
  },
  modelRequestBytes: {
    name: 'model_request_bytes',
    max: 50 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'a model request is read whole (its JSON decides how the answer is labelled) and forwarded; inline base64 images and audio make requests of tens of MB',
  },
  jsonBodyBytes: {
    name: 'json_body_bytes',
    max: 4 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'a JSON request body is parsed whole in memory; a longer document goes to detect as the raw file',
  },
  labelsPerFile: {
    name: 'labels_per_file',
    max: 16,
    unit: 'count',
    status: 422,
    why: 'a file carries exactly one implicit label (GB 45438); every further one costs parsing and signature checks the sender chose',
  },
  signaturesPerRequest: {
    name: 'signatures_per_request',
    max: 8,
    unit: 'count',
    status: 422,
    why: 'an SM2 verification costs milliseconds of CPU; signatures beyond this are reported as not checked, not verified',
  },
  imageAnswerBytes: {
    name: 'image_answer_bytes',
    max: 200 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'an images API JSON answer is read as bytes and its base64 images are decoded in slices',
  },
  imageStripPixels: {
    name: 'image_strip_pixels',
    max: 8192 * 8192,
    unit: 'pixels',
    status: 413,
    why: 'PNG strip layouts and sequential JPEG are marked a few rows at a time, but input and output are whole buffers',
  },
  imageDecodedPixels: {
    name: 'image_decoded_pixels',
    max: 1536 * 1536,
    unit: 'pixels',
    status: 413,
    why: 'whole-image decoding holds RGBA in JS and in a codec wasm heap: about +70 MB at 1536² (bench/peak-memory.ts) in a 128 MB isolate',
  },
  pngRowBytes: {
    name: 'png_row_bytes',
    max: 256 * 1024,
    unit: 'bytes',
    status: 413,
    why: 'a PNG row is held several times while filtering (65536 RGBA pixels a row); a 67108864×1 header would ask for 512 MB rows',
  },
  pngChunks: {
    name: 'png_chunks',
    max: 100_000,
    unit: 'count',
    status: 422,
    why: 'every chunk is walked and CRC-checked on each read; real files have tens',
  },
  pngTextChunks: {
    name: 'png_text_chunks',
    max: 256,
    unit: 'count',
    status: 422,
    why: 'tEXt/zTXt/iTXt chunks are looked at on every read; real files have a handful',
  },
  pngTextBytes: {
    name: 'png_text_bytes',
    max: 4 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'the label chunks (XMP, AIGC) of one file are inflated in memory, at about 70 ms a MB: per file, so many chunks each under a cap cannot add up to a bomb; XMP packets are kilobytes',
  },
  gifBlocks: {
    name: 'gif_blocks',
    max: 100_000,
    unit: 'count',
    status: 422,
    why: 'every block is walked on each read; 50 MiB of tiny blocks would be millions',
  },
  gifFrames: {
    name: 'gif_frames',
    max: 1000,
    unit: 'count',
    status: 413,
    why: 'each frame of a GIF is decoded and LZW-coded again for the visible mark',
  },
  gifFramePixels: {
    name: 'gif_frame_pixels',
    max: 1536 * 1536,
    unit: 'pixels',
    status: 413,
    why: 'a frame is decoded into one index buffer (and twice that for its new LZW data): the same area as whole-image decoding',
  },
  gifTotalPixels: {
    name: 'gif_total_pixels',
    max: 16 * MiB,
    unit: 'pixels',
    status: 413,
    why: 'every frame is decoded and LZW-coded again, linear in the pixels of all frames (0.1–0.3 µs a pixel): seven 1536² frames, 64 of 512²',
  },
  c2paManifestStoreBytes: {
    name: 'c2pa_manifest_store_bytes',
    max: 8 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'a model\'s manifest store is tens of KB (a few hundred with thumbnails); it is parsed into objects, copied into our new store and its certificates decoded',
  },
  c2paJumbfBoxes: {
    name: 'c2pa_jumbf_boxes',
    max: 10_000,
    unit: 'count',
    status: 422,
    why: 'counted before the C2PA library parses the store: it parses every box recursively into objects',
  },
  c2paJumbfDepth: {
    name: 'c2pa_jumbf_depth',
    max: 16,
    unit: 'count',
    status: 422,
    why: 'a manifest store nests four or five boxes deep; the C2PA library parses nested boxes by recursion',
  },
  webpChunks: {
    name: 'webp_chunks',
    max: 100_000,
    unit: 'count',
    status: 422,
    why: 'every RIFF chunk is walked on each read; real files have a few',
  },
  structuredAnswerChars: {
    name: 'structured_answer_chars',
    max: 4 * MiB,
    unit: 'count',
    status: 422,
    why: 'a structured answer is held whole to check that it parses before its label is left out; a longer one is labelled like prose instead of refused',
  },
  fetchRedirects: {
    name: 'fetch_redirects',
    max: 3,
    unit: 'count',
    status: 422,
    why: 'an upstream media URL is checked again after every redirect; a CDN needs one or two, more is a loop or a detour',
  },
  jsonlLineBytes: {
    name: 'jsonl_line_bytes',
    max: 16 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'a JSONL download (batch results) is labelled line by line; one line is held in memory with its labelled copy',
  },
  // Video and M4A (issue 12): ISO base media boxes.
  mp4Boxes: {
    name: 'mp4_boxes',
    max: 100_000,
    unit: 'count',
    status: 422,
    why: 'the boxes of one container level are walked on every read; real files have tens per level',
  },
  mp4MetadataKeys: {
    name: 'mp4_metadata_keys',
    max: 4096,
    unit: 'count',
    status: 422,
    why: 'every metadata key is read to find AIGC by name; real files have a handful',
  },
  // Audio (issue 12): RIFF chunks, FLAC blocks, ID3v2 frames, Vorbis comments; Ogg headers.
  audioMetadataItems: {
    name: 'audio_metadata_items',
    max: 10_000,
    unit: 'count',
    status: 422,
    why: 'the chunks, blocks, frames or comments of one audio metadata list are read on every label; real files have tens',
  },
  audioAnswerBytes: {
    name: 'audio_answer_bytes',
    max: 50 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'a speech answer is held whole with its marked and labelled copy; an hour of 24 kHz PCM is 170 MB, TTS answers are minutes',
  },
  audioMarkBytes: {
    name: 'audio_mark_bytes',
    max: 16 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'the rhythm mark is synthesised at the layout a WAV header claims; 1.46 s at 48 kHz stereo 16-bit is 280 KB, a claimed 384 kHz in 32 channels of doubles would be 140 MB',
  },
  audioHeaderBytes: {
    name: 'audio_header_bytes',
    max: 16 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'Ogg header packets and a FLAC comment block are put together in memory; cover art in them is rarely past a few MB',
  },
  // Documents (issue 18): OOXML packages (ZIP), XML parts, PDF.
  zipEntries: {
    name: 'zip_entries',
    max: 10_000,
    unit: 'count',
    status: 422,
    why: 'every central directory entry is read, and hashed for the content binding; a large workbook has a few hundred',
  },
  zipInflatedBytes: {
    name: 'zip_inflated_bytes',
    max: 256 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'every entry is inflated once for the content binding, streamed through the hash and not kept (about 2 s of CPU at this total); a deflate bomb (1 GiB in one part) is stopped at this total as declared, and an entry that inflates past its declared size is stopped there',
  },
  zipInflateRatio: {
    name: 'zip_inflate_ratio',
    max: 1032,
    unit: 'count',
    status: 422,
    why: 'deflate cannot do better than 1032:1 (a 258-byte match in two bits); an entry claiming more lies about its size',
  },
  xmlPartBytes: {
    name: 'xml_part_bytes',
    max: 32 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'an XML part the gateway edits (properties, relationships, content types, the part that takes the explicit label) is held as text with its edited copy',
  },
  xmlDepth: {
    name: 'xml_depth',
    max: 256,
    unit: 'count',
    status: 422,
    why: 'element nesting is tracked while an XML part is scanned; Office parts nest a few dozen deep',
  },
  xmlElements: {
    name: 'xml_elements',
    max: 1_000_000,
    unit: 'count',
    status: 422,
    why: 'every element and attribute of an XML part the gateway reads is scanned and decoded (about 0.6 s per million), though only the few it edits are kept; 5 million empty paragraphs compress to a 46 KB upload. A worksheet of more than about 250,000 cells takes the explicit label only as mark=implicit',
  },
  xmlKeptElements: {
    name: 'xml_kept_elements',
    max: 20_000,
    unit: 'count',
    status: 422,
    why: 'the elements an edit holds (relationships, content type overrides, AIGC properties) are kept with their attributes; a package has at most zip_entries parts, so a part naming more is not a real file',
  },
  htmlBytes: {
    name: 'html_bytes',
    max: 4 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'a page is tokenised on every pass (explicit label, content binding, write, read-back), up to 200 ms a pass for 4 MB of hostile markup; real generated pages are kilobytes',
  },
  pdfObjects: {
    name: 'pdf_objects',
    max: 1_000_000,
    unit: 'count',
    status: 422,
    why: 'each cross-reference entry is read to find the Info dictionary and the next free object number',
  },
  pdfObjectStreamBytes: {
    name: 'pdf_object_stream_bytes',
    max: 32 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'object streams are inflated to reach the Info dictionary and the page tree, and each is kept once inflated for the rest of the request; writers make them of ~100 objects, kilobytes each',
  },
  pdfXrefDictionaryBytes: {
    name: 'pdf_xref_dictionary_bytes',
    max: 1 * MiB,
    unit: 'bytes',
    status: 422,
    why: 'the trailers and cross-reference stream dictionaries of all sections together, each parsed once: a few hundred bytes a section in real files; bounds what a chain of pdf_xref_sections huge dictionaries could cost',
  },
  pdfXrefSections: {
    name: 'pdf_xref_sections',
    max: 1000,
    unit: 'count',
    status: 422,
    why: 'the /Prev chain of cross-reference sections is followed to the first one (a loop is refused as soon as a section repeats); each incremental save adds one',
  },
} as const satisfies Record<string, Limit>

export type LimitName = keyof typeof LIMITS

/** A budget was exceeded; the message says which, by how much, and why the limit exists. */
export class LimitError extends FormatError {
  constructor(
    readonly limit: Limit,
    what: string,
    actual?: number,
  ) {
    super(`${what}${actual === undefined ? '' : ` (${actual} ${limit.unit})`} exceeds the ${limit.name} limit of ${limit.max} ${limit.unit}: ${limit.why}`)
    this.name = 'LimitError'
  }
}

/** Throws a LimitError when `actual` is over the named limit. */
export function checkLimit(name: LimitName, actual: number, what: string): void {
  const limit: Limit = LIMITS[name]
  if (!(actual <= limit.max)) throw new LimitError(limit, what, actual)
}
