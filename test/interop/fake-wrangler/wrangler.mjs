// A stand-in for wrangler in the deploy script's test: it records every call in the state
// file FAKE_WRANGLER_STATE and answers from it (databases, buckets, secrets, login).
import { readFileSync, writeFileSync } from 'node:fs'

const file = process.env.FAKE_WRANGLER_STATE
const state = JSON.parse(readFileSync(file, 'utf8'))
const args = process.argv.slice(2)
const save = () => writeFileSync(file, JSON.stringify(state))
state.calls.push(args)
const [verb, sub, name] = args
let status = 0
if (verb === 'whoami') status = state.loggedIn ? 0 : 1
else if (verb === 'd1' && sub === 'list') process.stdout.write(JSON.stringify(state.databases))
else if (verb === 'd1' && sub === 'create') state.databases.push({ uuid: `uuid-of-${name}`, name })
else if (verb === 'r2' && name === 'info') status = state.buckets.includes(args[3]) ? 0 : 1
else if (verb === 'r2' && name === 'create') state.buckets.push(args[3])
else if (verb === 'secret' && sub === 'list') {
  if (state.deployed) process.stdout.write(JSON.stringify(state.secrets.map((s) => ({ name: s, type: 'secret_text' }))))
  else status = 1
} else if (verb === 'deploy') {
  const at = args.indexOf('--secrets-file')
  if (at >= 0) {
    const uploaded = JSON.parse(readFileSync(args[at + 1], 'utf8'))
    state.uploaded.push(uploaded)
    state.secrets.push(...Object.keys(uploaded))
  }
  state.deployed = true
}
save()
process.exit(status)
