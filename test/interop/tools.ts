import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'aigc-interop-'))

export const fixture = (name: string) => new Uint8Array(readFileSync(join('test/fixtures/images', name)))

/** Writes bytes to a temporary file and returns its path. */
export function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** Runs a tool; returns stdout, or throws with its output when it exits non-zero. */
export function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

export function exiftool(path: string): Record<string, unknown> {
  return JSON.parse(run('exiftool', ['-j', '-G1', '-a', '-XMP:all', '-ICC_Profile:ProfileDescription', '-EXIF:Make', path]))[0]
}
