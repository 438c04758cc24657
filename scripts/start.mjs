// `npm start`: apply D1 migrations to the local database, then run the gateway with the
// embedded development defaults (wrangler environment "dev") on http://127.0.0.1:8787.
import { spawnSync } from 'node:child_process'

const wrangler = (args, env = {}) =>
  spawnSync('npx', ['wrangler', ...args], { stdio: 'inherit', shell: process.platform === 'win32', env: { ...process.env, ...env } })

// Extra arguments go to `wrangler dev`; a --persist-to directory is the migrations' too.
const extra = process.argv.slice(2)
const at = extra.indexOf('--persist-to')
const persist = at >= 0 ? extra.slice(at, at + 2) : []
// CI=true answers wrangler's "continue?" prompt for a local migration.
const migrate = wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--env', 'dev', ...persist], { CI: 'true' })
if (migrate.status !== 0) process.exit(migrate.status ?? 1)
const dev = wrangler(['dev', '--env', 'dev', '--ip', '127.0.0.1', '--port', process.env.PORT ?? '8787', ...extra])
process.exit(dev.status ?? 0)
