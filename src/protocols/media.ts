/**
 * Media that text APIs generate (the Responses `image_generation` tool) is labelled like
 * /v1/images output: the visible mark when the tenant asks for it, then one signed implicit
 * label, and its C2PA manifest re-signed or stripped (src/c2pa). The route hands in what
 * labelling needs (mark context, signers, label factory), so
 * the protocol adapters stay free of the runtime.
 */
import { Buffer } from 'node:buffer'
import type { C2paOutcome } from '../c2pa/outcome'
import { FormatError, imageFormat } from '../formats'
import { labelFile, type Signing } from '../image/label-image'
import type { MarkContext } from '../image/mark-image'
import type { AigcLabel } from '../label/annex-e'
import { MarkError } from '../label/image-mark'
import { StreamLabelError } from '../stream/label-stream'

export interface LabelledImage {
  base64: string
  /** The label as written, signed over the labelled image. */
  label: AigcLabel
  /** What became of its Content Credentials (`X-AIGC-C2PA`, or `aigc_c2pa` beside a streamed `aigc`). */
  c2pa: C2paOutcome
}

export interface MediaLabeller {
  /**
   * Labels one generated image given as base64. Images of one `item` (partial images and the
   * final one) share a ProduceID; each is signed over its own bytes.
   */
  image(base64: string, item: string): Promise<LabelledImage>
}

export function imageLabeller(explicit: MarkContext | undefined, signing: Signing, newLabel: () => AigcLabel): MediaLabeller {
  const labels = new Map<string, AigcLabel>()
  return {
    async image(base64, item) {
      const label = labels.get(item) ?? newLabel()
      labels.set(item, label)
      const bytes = Buffer.from(base64, 'base64')
      try {
        const out = await labelFile(bytes, imageFormat(bytes), label, explicit, signing)
        return { base64: Buffer.from(out.bytes).toString('base64'), label: out.label, c2pa: out.c2pa }
      } catch (error) {
        if (error instanceof FormatError || error instanceof MarkError) throw new StreamLabelError(`a generated image could not be labelled: ${error.message}`)
        throw error
      }
    },
  }
}

/** Without a labeller (a route that labels text only), generated media is refused, never passed on. */
export function requireMedia(media: MediaLabeller | undefined, what: string): MediaLabeller {
  if (!media) throw new StreamLabelError(`the answer carries ${what}, which this route cannot label`)
  return media
}

/** Images the gateway cannot carry a label in (it writes PNG, JPEG, WebP and GIF). */
const OTHER_IMAGE = [
  (b: Uint8Array) => b[0] === 0x42 && b[1] === 0x4d, // BMP
  (b: Uint8Array) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a), // TIFF
  (b: Uint8Array) => b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70, // ISO-BMFF: AVIF, HEIC
  (b: Uint8Array) => b[0] === 0xff && b[1] === 0x0a, // JPEG XL codestream
]

const DATA_URL = /^data:image\/[\w.+-]+;base64,/

/**
 * Whether a string holds an image as base64 (bare or as a `data:` URL), judged by the magic
 * bytes its first characters decode to: `label` for a format the gateway labels, `refuse`
 * for another image format, undefined for anything else.
 */
export function sniffBase64Image(value: string): 'label' | 'refuse' | undefined {
  const base64 = value.replace(DATA_URL, '')
  if (base64.length < 64 || !/^[A-Za-z0-9+/]{32}/.test(base64)) return undefined
  const head = Buffer.from(base64.slice(0, 32), 'base64')
  try {
    imageFormat(head)
    return 'label'
  } catch {
    return OTHER_IMAGE.some((magic) => magic(head)) ? 'refuse' : undefined
  }
}

/** Splits a `data:` URL prefix off, to put back around the labelled base64. */
export function splitDataUrl(value: string): { prefix: string; base64: string } {
  const prefix = DATA_URL.exec(value)?.[0] ?? ''
  return { prefix, base64: value.slice(prefix.length) }
}
