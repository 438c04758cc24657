// `npm run deploy`: one command from a Cloudflare login to a running gateway. It creates the
// D1 database and the R2 bucket when they are missing (and writes the database id into
// wrangler.toml), applies the D1 migrations remotely, asks for each missing secret (or takes
// it from the environment, or generates it), then deploys with the secrets in the same step.
// WRANGLER names another wrangler command (the tests use a fake one).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'

const CONFIG = 'wrangler.toml'
/** What production refuses to run without (src/config.ts). */
const SECRETS = {
  ADMIN_TOKEN: 'the platform admin token for /admin (at least 16 characters)',
  MASTER_KEY: 'the key that seals upstream API keys and signing keys in D1',
}

const [command, ...prefix] = (process.env.WRANGLER ?? 'npx wrangler').split(' ')

function wrangler(args, { capture = false, env = {} } = {}) {
  const result = spawnSync(command, [...prefix, ...args], {
    stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    shell: process.platform === 'win32',
    env: { ...process.env, ...env },
  })
  return { ok: result.status === 0, stdout: result.stdout ?? '' }
}

function must(step, result) {
  if (!result.ok) {
    console.error(`deploy: ${step} failed; nothing after it was done`)
    process.exit(1)
  }
  return result
}

/** The first (production, top-level) `[[header]]` block and its `key` value. */
function topLevelBlock(toml, header, key) {
  const start = toml.search(new RegExp(`^\\[\\[${header}\\]\\]\\s*$`, 'm'))
  if (start < 0) throw new Error(`${CONFIG} has no [[${header}]] block`)
  const body = toml.indexOf('\n', start) + 1
  const end = toml.slice(body).search(/^\[/m)
  const block = toml.slice(start, end < 0 ? undefined : body + end)
  return { start, block, value: block.match(new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, 'm'))?.[1] }
}

const json = (text, what) => {
  try {
    return JSON.parse(text)
  } catch {
    console.error(`deploy: wrangler's ${what} was not JSON`)
    process.exit(1)
  }
}

function ensureDatabase() {
  let toml = readFileSync(CONFIG, 'utf8')
  const { start, block, value: name } = topLevelBlock(toml, 'd1_databases', 'database_name')
  const find = () => json(must('listing D1 databases', wrangler(['d1', 'list', '--json'], { capture: true })).stdout, 'D1 list').find((db) => db.name === name)
  let database = find()
  if (!database) {
    console.log(`deploy: creating D1 database ${name}`)
    must(`creating D1 database ${name}`, wrangler(['d1', 'create', name]))
    database = find()
  }
  const id = database?.uuid
  if (!id) throw new Error(`D1 database ${name} has no id`)
  const updated = block.replace(/^database_id\s*=\s*"[^"]*"/m, `database_id = "${id}"`)
  if (updated !== block) {
    toml = toml.slice(0, start) + updated + toml.slice(start + block.length)
    writeFileSync(CONFIG, toml)
    console.log(`deploy: ${CONFIG} now names D1 database ${name} (${id})`)
  }
}

function ensureBucket() {
  const { value: bucket } = topLevelBlock(readFileSync(CONFIG, 'utf8'), 'r2_buckets', 'bucket_name')
  if (wrangler(['r2', 'bucket', 'info', bucket], { capture: true }).ok) return
  console.log(`deploy: creating R2 bucket ${bucket}`)
  must(`creating R2 bucket ${bucket}`, wrangler(['r2', 'bucket', 'create', bucket]))
}

/** Secrets the Worker lacks, as NAME → value: from the environment, the prompt, or generated. */
async function missingSecrets() {
  // A Worker never deployed has no secrets (and `secret list` fails for it).
  const listed = wrangler(['secret', 'list', '--format', 'json'], { capture: true })
  const present = new Set(listed.ok ? json(listed.stdout, 'secret list').map((s) => s.name) : [])
  const values = {}
  const prompt = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : undefined
  for (const [name, what] of Object.entries(SECRETS)) {
    if (present.has(name)) continue
    let value = process.env[name] ?? (await prompt?.question(`${name}: ${what}; Enter generates one: `))?.trim()
    if (!value) {
      value = randomBytes(32).toString('base64url')
      // Shown once, so the operator can keep it: Cloudflare never shows a secret again.
      console.log(`deploy: generated ${name} = ${value} (shown once: keep it)`)
    }
    values[name] = value
  }
  prompt?.close()
  return values
}

try {
  if (!wrangler(['whoami'], { capture: true }).ok) {
    console.error('deploy: not logged in to Cloudflare; run `npx wrangler login` first')
    process.exit(1)
  }
  ensureDatabase()
  ensureBucket()
  // CI=true answers wrangler's "continue?" prompt before a migration.
  must('applying D1 migrations', wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '--env', ''], { env: { CI: 'true' } }))
  const secrets = await missingSecrets()
  const args = ['deploy', '--env', '']
  let dir
  if (Object.keys(secrets).length > 0) {
    dir = mkdtempSync(join(tmpdir(), 'aigc-deploy-'))
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 })
    args.push('--secrets-file', join(dir, 'secrets.json'))
  }
  try {
    must('deploying the Worker', wrangler(args))
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  console.log('deploy: done')
} catch (error) {
  console.error(`deploy: ${error.message}`)
  process.exit(1)
}
