/**
 * OpenAI image answers (`{"data":[{"b64_json":"…"}]}`) without holding their images as
 * strings. A 4096² PNG is 33 MB of base64: parsing it as JSON costs the body, its text and
 * the parsed string at once, and writing it back as many again. Here the base64 values are
 * lifted out of the body bytes and decoded in slices, and the answer is written back as a
 * stream with each image's base64 encoded slice by slice between the JSON around it.
 * Images under other keys, and streamed image events, are labelled as parsed strings.
 */
import { Buffer } from 'node:buffer'
import { startsWith } from '../formats/bytes'
import { StreamLabelError, type LabelReducer } from '../stream/label-stream'
import { sniffBase64Image, splitDataUrl, type MediaLabeller } from './media'
import { parseEventData } from './shared'
import { isRecord } from '../guards'

/** The JSON answer with each image replaced by a placeholder, and the images' base64 text. */
export interface LiftedAnswer {
  /** Parsed JSON in which every `b64_json` holds `placeholder(i)`. */
  answer: unknown
  /** Base64 text of image i, as bytes of the body (no copy); let go of once decoded. */
  images: (Uint8Array | undefined)[]
}

const KEY = new TextEncoder().encode('"b64_json"')
const QUOTE = 0x22
const BACKSLASH = 0x5c
const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d

export const placeholder = (i: number) => `\u0000aigc-image-${i}`

/**
 * Finds every `"b64_json": "<base64>"` value in the body. Undefined when the answer is not
 * plain enough for that (an escaped character inside a value, or JSON that does not parse
 * once the values are lifted): the caller then parses it the ordinary way.
 */
export function liftImages(body: Uint8Array): LiftedAnswer | undefined {
  const images: (Uint8Array | undefined)[] = []
  let skeleton = ''
  let copied = 0
  const text = new TextDecoder()
  for (let at = indexOf(body, KEY, 0); at >= 0; at = indexOf(body, KEY, at + KEY.length)) {
    if (body[at - 1] === BACKSLASH) continue // inside another string
    let p = at + KEY.length
    while (isSpace(body[p])) p++
    if (body[p++] !== 0x3a) continue // ':'
    while (isSpace(body[p])) p++
    if (body[p] !== QUOTE) continue
    const start = p + 1
    const end = body.indexOf(QUOTE, start)
    if (end < 0) return undefined
    for (let i = start; i < end; i++) if (body[i] === BACKSLASH) return undefined
    skeleton += text.decode(body.subarray(copied, start - 1)) + JSON.stringify(placeholder(images.length))
    images.push(body.subarray(start, end))
    copied = end + 1
    at = end
  }
  skeleton += text.decode(body.subarray(copied))
  try {
    return { answer: JSON.parse(skeleton), images }
  } catch {
    return undefined
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  for (let at = haystack.indexOf(needle[0]!, from); at >= 0; at = haystack.indexOf(needle[0]!, at + 1)) {
    if (startsWith(haystack, needle, at)) return at
  }
  return -1
}

/** 64 KiB of base64 at a time: a multiple of 4 characters. */
const SLICE = 64 * 1024

/** Decodes base64 text held as bytes, one slice at a time (no string of the whole image). */
export function decodeBase64(text: Uint8Array): Uint8Array {
  let padding = 0
  while (padding < 2 && text[text.length - 1 - padding] === 0x3d) padding++
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) - padding)
  let written = 0
  for (let at = 0; at < text.length; at += SLICE) {
    const chunk = Buffer.from(Buffer.from(text.buffer, text.byteOffset + at, Math.min(SLICE, text.length - at)).toString('latin1'), 'base64')
    out.set(chunk.subarray(0, out.length - written), written)
    written += chunk.length
  }
  return out
}

/**
 * The answer as a byte stream: its JSON with each placeholder replaced by image i's base64,
 * encoded slice by slice; `images[i]` is released once it has been written.
 */
export function answerStream(answer: unknown, images: (Uint8Array | undefined)[]): ReadableStream<Uint8Array> {
  const json = JSON.stringify(answer)
  const encoder = new TextEncoder()
  // Pieces of JSON text and image indexes, in order.
  const pieces: (string | number)[] = []
  let copied = 0
  for (let i = 0; i < images.length; i++) {
    const marker = JSON.stringify(placeholder(i))
    const at = json.indexOf(marker, copied)
    if (at < 0) continue
    pieces.push(json.slice(copied, at) + '"', i, '"')
    copied = at + marker.length
  }
  pieces.push(json.slice(copied))
  let piece = 0
  let offset = 0
  // 48 KiB of bytes make 64 KiB of base64 without padding in between.
  const BYTES = (SLICE / 4) * 3
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const current = pieces[piece]
      if (current === undefined) return controller.close()
      if (typeof current === 'string') {
        piece++
        if (current) controller.enqueue(encoder.encode(current))
        return
      }
      const image = images[current]!
      controller.enqueue(encoder.encode(Buffer.from(image.buffer, image.byteOffset + offset, Math.min(BYTES, image.length - offset)).toString('base64')))
      offset += BYTES
      if (offset >= image.length) {
        images[current] = undefined
        offset = 0
        piece++
      }
    },
  })
}

/** A string field of an answer item that holds an image (see sniffBase64Image). */
export interface EmbeddedImage {
  holder: Record<string, unknown>
  key: string
  /** `data:` URL prefix to keep, or ''. */
  prefix: string
  base64: string
}

/**
 * Images an item holds under keys other than the lifted `b64_json` (`image_base64`, a
 * `data:` URL, any string that decodes to an image), nested objects included, so none goes
 * out raw beside an `aigc` record. Throws for an image in a format the gateway cannot label.
 */
export function embeddedImages(item: Record<string, unknown>, skip: string[] = ['b64_json']): EmbeddedImage[] {
  const found: EmbeddedImage[] = []
  const walk = (holder: Record<string, unknown>, depth: number) => {
    for (const [key, value] of Object.entries(holder)) {
      if (depth === 0 && skip.includes(key)) continue
      if (isRecord(value) && depth < 4) walk(value, depth + 1)
      if (typeof value !== 'string') continue
      const verdict = sniffBase64Image(value)
      if (verdict === 'refuse') throw new StreamLabelError(`the answer holds an image under "${key}" in a format the gateway cannot label`)
      if (verdict === 'label') found.push({ holder, key, ...splitDataUrl(value) })
    }
  }
  walk(item, 0)
  return found
}

/** What an images stream labeler remembers: one label for the stream, signed per image. */
export interface ImageStreamState {
  readonly media: MediaLabeller
  completed: boolean
}

/** Streamed image events carry whole images (partial or final) in `b64_json` or another field. */
export const imageStreamReducer: LabelReducer<ImageStreamState> = {
  async step(state, event) {
    if (event.data === '[DONE]') return undefined
    const e = parseEventData(event.data)
    const images = embeddedImages(e, [])
    if (typeof e.b64_json === 'string' && !images.some((i) => i.holder === e && i.key === 'b64_json')) {
      images.push({ holder: e, key: 'b64_json', prefix: '', base64: e.b64_json })
    }
    if (images.length === 0) return undefined
    for (const image of images) {
      const out = await state.media.image(image.base64, 'stream')
      image.holder[image.key] = image.prefix + out.base64
      e.aigc = out.label
      // Headers left before the first image was labelled: each event says what became of its credentials.
      e.aigc_c2pa = out.c2pa.action
    }
    if (String(e.type).endsWith('.completed')) state.completed = true
    return [{ event: event.event, data: JSON.stringify(e) }]
  },
  end(state, failure) {
    const reason = failure ?? (state.completed ? undefined : 'upstream closed the stream before it finished')
    if (!reason) return []
    const error = { type: 'error', error: { message: reason, type: 'upstream_error', code: 'upstream_stream_incomplete' } }
    return [{ event: 'error', data: JSON.stringify(error) }]
  },
}
