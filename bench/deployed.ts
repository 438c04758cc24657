/** The gateway as `wrangler deploy` would upload it, for the benches that run it in Miniflare. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { D1Database } from '@cloudflare/workers-types'

export interface DeployedBundle {
  /** Miniflare's module options for the built script. */
  script: {
    modules: true
    scriptPath: string
    modulesRoot: string
    modulesRules: { type: 'CompiledWasm' | 'Data'; include: string[] }[]
  }
  remove(): void
}

/** `wrangler deploy --dry-run` into a temporary directory: the bundle, wasm and font as deployed. */
export function buildDeployedBundle(): DeployedBundle {
  const out = mkdtempSync(join(tmpdir(), 'aigc-bench-'))
  const built = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], { encoding: 'utf8' })
  if (built.status !== 0) throw new Error(built.stderr)
  return {
    script: {
      modules: true,
      scriptPath: join(out, 'index.js'),
      modulesRoot: out,
      modulesRules: [
        { type: 'CompiledWasm', include: ['**/*.wasm'] },
        { type: 'Data', include: ['**/*.woff'] },
      ],
    },
    remove: () => rmSync(out, { recursive: true, force: true }),
  }
}

/** The D1 migrations, statement by statement, on a fresh database. */
export async function applyMigrations(db: Pick<D1Database, 'prepare'>): Promise<void> {
  for (const file of readdirSync('migrations').sort()) {
    const schema = readFileSync(join('migrations', file), 'utf8').replace(/--.*$/gm, '')
    for (const statement of schema.split(';').map((s) => s.trim()).filter(Boolean)) await db.prepare(statement).run()
  }
}
