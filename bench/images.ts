/**
 * Image labelling, measured in one run against baselines:
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
import { writeLabel } from '../src/formats'
import { labelImage } from '../src/image/label-image'
import { createLabel, serializeLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK, placeMark } from '../src/label/image-mark'
import { createXmpPacket } from '../src/label/xmp'
import { codecs, FONT } from '../test/interop/codecs'
import { fmt, median } from './stats'

const dir = mkdtempSync(join(tmpdir(), 'aigc-bench-img-'))
const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'bench' })

/** A noisy image of about the given size (noise keeps PNG and JPEG files large). */
function make(width: number, height: number, format: 'png' | 'jpg'): Uint8Array {
  const path = join(dir, `${width}x${height}.${format}`)
  execFileSync('convert', ['-size', `${width}x${height}`, '-seed', '3', 'plasma:fractal', '-attenuate', '0.4', '+noise', 'Uniform', ...(format === 'jpg' ? ['-quality', '92'] : []), path])
  return new Uint8Array(readFileSync(path))
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
  const lines = ['Metadata-only labelling (XMP write, no pixels decoded), median of 5:']
  for (const [name, width, height, format] of [
    ['1 MB PNG', 600, 600, 'png'],
    ['50 MB PNG', 4200, 4200, 'png'],
    ['1 MB JPEG', 1000, 1000, 'jpg'],
    ['50 MB JPEG', 7000, 7000, 'jpg'],
  ] as const) {
    const bytes = make(width, height, format)
    const before = process.memoryUsage().arrayBuffers
    const out = writeLabel(bytes, label)
    const extra = (process.memoryUsage().arrayBuffers - before) / bytes.length
    const ms = time(() => writeLabel(bytes, label))
    const copy = time(() => bytes.slice())
    const mbps = (t: number) => bytes.length / 1e6 / (t / 1000)
    lines.push(
      `  ${name.padEnd(11)} ${fmt(bytes.length / 1e6, 1).padStart(5)} MB: ${fmt(mbps(ms), 0).padStart(6)} MB/s, ` +
        `${fmt(extra, 2)} extra copies held; vs one memcpy of the file ${fmt(mbps(ms) / mbps(copy))}× (out ${out.length - bytes.length} bytes larger)`,
    )
  }
  return lines
}

async function visibleVsSharp(): Promise<string[]> {
  const lines = ['Visible mark + XMP label: gateway pipeline vs sharp doing the same composite and XMP write (median of 3):']
  const xmp = createXmpPacket(serializeLabel(label))
  for (const size of [1024, 4096]) {
    for (const format of ['png', 'jpg'] as const) {
      const bytes = make(size, size, format)
      const placement = placeMark(FONT, DEFAULT_IMAGE_MARK, size, size)
      const { overlay } = placement
      // sharp gets the same overlay, already rendered: the comparison is decode + composite + encode + XMP.
      const overlayPng = await sharp(Buffer.from(overlay.rgba.buffer), { raw: { width: overlay.width, height: overlay.height, channels: 4 } }).png().toBuffer()
      const viaSharp = () => {
        const img = sharp(bytes).composite([{ input: overlayPng, left: placement.x, top: placement.y }]).withXmp(xmp)
        return (format === 'png' ? img.png() : img.jpeg({ quality: 92, mozjpeg: true })).toBuffer()
      }
      const ours = await timeAsync(() => labelImage(bytes, label, { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }))
      const theirs = await timeAsync(viaSharp)
      lines.push(`  ${`${size}² ${format.toUpperCase()}`.padEnd(10)} gateway ${fmt(ours, 0).padStart(6)} ms, sharp ${fmt(theirs, 0).padStart(6)} ms, ratio ${fmt(ours / theirs)}× (goal ≤ 1.5×)`)
    }
  }
  return lines
}

/** Peak resident memory added while marking, measured in a child process per size. */
function peakMemory(): string[] {
  const lines = ['Peak memory added by marking one image (fresh process each; Worker isolates have 128 MB):']
  for (const format of ['png', 'jpg'] as const) {
    for (const size of [2048, 4096, 8192]) {
      const path = join(dir, `peak-${size}.${format}`)
      execFileSync('convert', ['-size', `${size}x${size}`, '-seed', '3', 'plasma:fractal', ...(format === 'jpg' ? ['-quality', '92'] : []), path])
      const child = spawnSync('npx', ['tsx', 'bench/peak-memory.ts', path], { encoding: 'utf8' })
      const result = child.stdout.trim().split('\n').at(-1) ?? ''
      lines.push(`  ${`${size}² ${format.toUpperCase()}`.padEnd(10)} ${child.status === 0 ? result : `failed: ${child.stderr.trim().split('\n').at(-1)}`}`)
    }
  }
  return lines
}

export async function imageBench(): Promise<string[]> {
  try {
    return [...(await metadataOnly()), '', ...(await visibleVsSharp()), '', ...peakMemory()]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
