/**
 * The files every format is fuzzed from: the fixture images, videos and audio, the hostile files,
 * and a few documents (Markdown front matter with and without a label, CRLF, none at all;
 * HTML pages, PDFs and Office packages with and without labels, written once by
 * test/ooxml-packages.ts, test/pdf-fixtures.ts and qpdf). The hostile
 * detect bodies (`{"text": …}`) are Markdown seeds too: detect reads their text as Markdown.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Seed } from './harness'
import type { FuzzFormat } from './mutate'

const DIRS = ['test/fixtures/images', 'test/fixtures/hostile', 'test/fixtures/video', 'test/fixtures/audio', 'test/fuzz/seeds']

const BY_EXTENSION: Record<string, FuzzFormat> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', webp: 'webp', gif: 'gif', md: 'markdown', json: 'markdown', html: 'html', pdf: 'pdf', docx: 'ooxml', xlsx: 'ooxml', pptx: 'ooxml', mp4: 'mp4', mov: 'mp4', m4a: 'mp4', mp3: 'mp3', aac: 'aac', wav: 'wav', flac: 'flac', ogg: 'ogg', opus: 'ogg' }

export function formatOfFile(name: string): FuzzFormat | undefined {
  return BY_EXTENSION[name.split('.').pop()!.toLowerCase()]
}

/** A file's bytes; a detect body `{"text": …}` gives its text, as the route reads it. */
export function fileBytes(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path))
  if (!path.endsWith('.json')) return bytes
  return new TextEncoder().encode((JSON.parse(new TextDecoder().decode(bytes)) as { text: string }).text)
}

/** Seeds of one format, in a fixed order so a seed and an index name a case. */
export function corpus(format: FuzzFormat, dirs: string[] = DIRS): Seed[] {
  return dirs
    .flatMap((dir) => readdirSync(dir).filter((name) => formatOfFile(name) === format).map((name) => ({ name, path: join(dir, name) })))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, path }) => ({ name, bytes: fileBytes(path) }))
}
