/**
 * The labelling core in Node (what users get is bench/workerd.ts), measured in one run
 * against baselines:
 * - metadata-only labelling throughput and memory vs copying the same bytes once;
 * - the visible mark + XMP on 1024² and 4096² PNG and JPEG vs sharp (libvips) doing the
 *   same composite and XMP write;
 * - peak memory of marking each size, each in a fresh process, to find the largest image
 *   that fits a 128 MB isolate.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { formatFor, writeLabel } from '../src/formats'
import { labelFile } from '../src/image/label-image'
import { generateKeyPair } from '../src/label/signature'
import { createLabel, serializeLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK, placeMark } from '../src/label/image-mark'
import { createXmpPacket } from '../src/label/xmp'
import { codecs, FONT } from '../test/interop/codecs'
import { fmt, median } from './stats'

const dir = mkdtempSync(join(tmpdir(), 'aigc-bench-img-'))
const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'bench' })
const signing = { signer: { keyId: 'bench', ...(await generateKeyPair('SM2')) }, role: 'producer' as const }

/**
 * Test images made by ImageMagick: a smooth fractal, like generated art (8-bit RGB), or
 * the same with noise when a large, poorly compressible file is wanted.
 */
function make(width: number, height: number, format: 'png' | 'jpg', noisy = false): string {
  const path = join(dir, `${width}x${height}${noisy ? '-noise' : ''}.${format}`)
  const noise = noisy ? ['-attenuate', '0.4', '+noise', 'Uniform'] : []
  const encoding = format === 'jpg' ? ['-quality', noisy ? '97' : '92'] : ['-depth', '8']
  execFileSync('convert', ['-size', `${width}x${height}`, '-seed', '3', 'plasma:fractal', ...noise, ...encoding, `${format === 'png' ? 'png24' : 'jpg'}:${path}`])
  return path
}

/** Peak memory of one labelling, in a fresh process (bench/peak-memory.ts). */
function peak(path: string, mode: 'mark' | 'label' | 'answer'): string {
  const child = spawnSync('npx', ['tsx', 'bench/peak-memory.ts', path, mode], { encoding: 'utf8' })
  return child.status === 0 ? child.stdout.trim().split('\n').at(-1)! : `failed: ${child.stderr.trim().split('\n').at(-1)}`
}

function time(fn: () => unknown, rounds = 5): number {
  const runs: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t = performance.now()
    fn()
    runs.push(performance.now() - t)
  }
  return median(runs)
}

async function timeAsync(fn: () => Promise<unknown>, rounds = 3): Promise<number> {
  const runs: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t = performance.now()
    await fn()
    runs.push(performance.now() - t)
  }
  return median(runs)
}

async function metadataOnly(): Promise<string[]> {
  const lines = ['Core in Node: metadata-only labelling (XMP write, no pixels decoded); throughput median of 5, against copying the file once:']
  for (const [name, width, height, format] of [
    ['~1 MB PNG', 600, 600, 'png'],
    ['~50 MB PNG', 5600, 5600, 'png'],
    ['~1 MB JPEG', 1000, 1000, 'jpg'],
    ['~50 MB JPEG', 8000, 8000, 'jpg'],
  ] as const) {
    const path = make(width, height, format, true)
    const bytes = new Uint8Array(readFileSync(path))
    const ms = time(() => writeLabel(bytes, label))
    const copy = time(() => bytes.slice())
    const mbps = (t: number) => bytes.length / 1e6 / (t / 1000)
    lines.push(`  ${name.padEnd(12)} ${fmt(mbps(ms), 0).padStart(6)} MB/s (${fmt(mbps(ms) / mbps(copy))}× a plain copy); memory: ${peak(path, 'label')}`)
  }
  return lines
}

async function visibleVsSharp(): Promise<string[]> {
  const lines = ['Core in Node: visible mark + XMP label, the gateway pipeline vs sharp doing the same composite and XMP write (median of 3):']
  const xmp = createXmpPacket(serializeLabel(label))
  for (const size of [1024, 4096]) {
    for (const format of ['png', 'jpg'] as const) {
      const bytes = new Uint8Array(readFileSync(make(size, size, format)))
      const placement = placeMark(FONT, DEFAULT_IMAGE_MARK, size, size)
      const { overlay } = placement
      // sharp gets the same overlay, already rendered: the comparison is decode + composite + encode + XMP.
      const overlayPng = await sharp(Buffer.from(overlay.rgba.buffer), { raw: { width: overlay.width, height: overlay.height, channels: 4 } }).png().toBuffer()
      const viaSharp = () => {
        const img = sharp(bytes).composite([{ input: overlayPng, left: placement.x, top: placement.y }]).withXmp(xmp)
        return (format === 'png' ? img.png() : img.jpeg({ quality: 92 })).toBuffer()
      }
      const ctx = { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }
      const refused = await labelFile(bytes, formatFor(bytes), label, ctx).then(() => undefined, (e: Error) => e.message)
      const theirs = await timeAsync(viaSharp)
      if (refused) {
        lines.push(`  ${`${size}² ${format.toUpperCase()}`.padEnd(10)} gateway refuses (${refused}); sharp ${fmt(theirs, 0)} ms`)
        continue
      }
      const ours = await timeAsync(() => labelFile(bytes, formatFor(bytes), label, ctx))
      const signed = await timeAsync(() => labelFile(bytes, formatFor(bytes), label, ctx, signing))
      lines.push(
        `  ${`${size}² ${format.toUpperCase()}`.padEnd(10)} gateway ${fmt(ours, 0).padStart(6)} ms, sharp ${fmt(theirs, 0).padStart(6)} ms, ratio ${fmt(ours / theirs)}× (goal ≤ 1.5×); ` +
          `signed and content-bound as deployed: ${fmt(signed, 0)} ms (${fmt(signed / theirs)}×)`,
      )
    }
  }
  return lines
}

function markingMemory(): string[] {
  const lines = ['Core in Node: visible mark + label, peak memory (fresh process each; a Worker isolate has 128 MB in all):']
  for (const format of ['png', 'jpg'] as const) {
    for (const size of [2048, 4096, 8192]) lines.push(`  ${`${size}² ${format.toUpperCase()}`.padEnd(10)} ${peak(make(size, size, format), 'mark')}`)
  }
  lines.push('Through /v1/images as b64_json (answer lifted, image marked and signed, answer streamed back):')
  for (const format of ['png', 'jpg'] as const) lines.push(`  ${`4096² ${format.toUpperCase()}`.padEnd(10)} ${peak(make(4096, 4096, format), 'answer')}`)
  return lines
}

export async function imageBench(): Promise<string[]> {
  try {
    return [...(await metadataOnly()), '', ...(await visibleVsSharp()), '', ...markingMemory()]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
