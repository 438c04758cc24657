// `npm start`: apply D1 migrations to the local database, then run the gateway with the
// embedded development defaults (wrangler environment "dev") on http://127.0.0.1:8787.
import { spawnSync } from 'node:child_process'

const wrangler = (args, env = {}) =>
  spawnSync('npx', ['wrangler', ...args], { stdio: 'inherit', shell: process.platform === 'win32', env: { ...process.env, ...env } })

// CI=true answers wrangler's "continue?" prompt for a local migration.
const migrate = wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--env', 'dev'], { CI: 'true' })
if (migrate.status !== 0) process.exit(migrate.status ?? 1)
const dev = wrangler(['dev', '--env', 'dev', '--ip', '127.0.0.1', '--port', process.env.PORT ?? '8787', ...process.argv.slice(2)])
process.exit(dev.status ?? 0)
