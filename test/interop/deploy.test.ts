// `npm run deploy` (scripts/deploy.mjs) against a fake wrangler that keeps its state in a
// file: what it creates, what it writes into wrangler.toml, which secrets it uploads.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SCRIPT = resolve('scripts/deploy.mjs')
const FAKE = resolve('test/interop/fake-wrangler/wrangler.mjs')

interface FakeState {
  loggedIn: boolean
  databases: { uuid: string; name: string }[]
  buckets: string[]
  secrets: string[]
  deployed: boolean
  calls: string[][]
  uploaded: Record<string, string>[]
}

function project(state: Partial<FakeState> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-test-'))
  copyFileSync('wrangler.toml', join(dir, 'wrangler.toml'))
  const stateFile = join(dir, 'state.json')
  writeFileSync(stateFile, JSON.stringify({ loggedIn: true, databases: [], buckets: [], secrets: [], deployed: false, calls: [], uploaded: [], ...state }))
  const deploy = (env: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, [SCRIPT], {
      cwd: dir,
      encoding: 'utf8',
      // No TTY: missing secrets come from the environment or are generated.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, WRANGLER: `${process.execPath} ${FAKE}`, FAKE_WRANGLER_STATE: stateFile, ...env },
    })
    return { status: result.status, output: result.stdout + result.stderr }
  }
  const read = () => JSON.parse(readFileSync(stateFile, 'utf8')) as FakeState
  return { dir, deploy, read, toml: () => readFileSync(join(dir, 'wrangler.toml'), 'utf8') }
}

describe('npm run deploy', () => {
  it('creates the database and bucket, writes the id, migrates, and deploys with generated secrets', () => {
    const p = project()
    const { status, output } = p.deploy({ MASTER_KEY: 'operator-chosen-master-key' })
    expect(status, output).toBe(0)
    const state = p.read()
    expect(state.databases).toEqual([{ uuid: 'uuid-of-aigc-label-gateway', name: 'aigc-label-gateway' }])
    expect(state.buckets).toEqual(['aigc-label-gateway-files'])
    // The production block gets the id; the dev environment's block is left alone.
    const toml = p.toml()
    expect(toml).toMatch(/database_name = "aigc-label-gateway"\ndatabase_id = "uuid-of-aigc-label-gateway"/)
    expect(toml).toMatch(/database_name = "aigc-label-gateway-dev"\ndatabase_id = "00000000-0000-0000-0000-000000000000"/)
    const verbs = state.calls.map((c) => c.slice(0, 2).join(' '))
    expect(verbs.indexOf('d1 migrations')).toBeLessThan(verbs.indexOf('deploy --env'))
    expect(state.calls.find((c) => c[0] === 'd1' && c[1] === 'migrations')).toContain('--remote')
    expect(state.uploaded).toHaveLength(1)
    const uploaded = state.uploaded[0]!
    expect(uploaded.MASTER_KEY).toBe('operator-chosen-master-key')
    expect(uploaded.ADMIN_TOKEN!.length).toBeGreaterThanOrEqual(16)
    // A generated secret is shown once; one the operator gave, never.
    expect(output).toContain(uploaded.ADMIN_TOKEN)
    expect(output).not.toContain('operator-chosen-master-key')
  })

  it('creates nothing and uploads no secret on a second run', () => {
    const p = project()
    expect(p.deploy().status).toBe(0)
    const before = p.read()
    expect(p.deploy().status).toBe(0)
    const after = p.read()
    const second = after.calls.slice(before.calls.length)
    expect(second.some((c) => c.includes('create'))).toBe(false)
    expect(second.find((c) => c[0] === 'deploy')).not.toContain('--secrets-file')
    expect(after.uploaded).toHaveLength(1)
  })

  it('stops before anything when not logged in', () => {
    const p = project({ loggedIn: false })
    const { status, output } = p.deploy()
    expect(status).toBe(1)
    expect(output).toContain('wrangler login')
    expect(p.read().calls).toEqual([['whoami']])
  })
})
