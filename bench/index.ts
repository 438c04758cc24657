import { c2paBench } from './c2pa'
import { gatewayLatency } from './gateway-latency'
import { imageBench } from './images'
import { linearParsing } from './linear-parsing'
import { profileWorkerd } from './profile-workerd'
import { sseThroughput } from './sse-throughput'
import { workerdBench } from './workerd'
import { watermarkBench } from './watermark'

// `npm run bench` runs what users get (workerd) and the quick core figures in a few minutes;
// `npm run bench core` (the core's image figures and peak memory, ~12 min) and
// `npm run bench profile` (where workerd spends a metadata-only label) run when asked for.
const only = process.argv[2]
if (!only || only === 'workerd') console.log((await workerdBench()).join('\n'), '\n')
if (!only || only === 'c2pa') console.log((await c2paBench()).join('\n'), '\n')
if (!only || only === 'text') {
  console.log((await sseThroughput()).join('\n'))
  console.log()
  console.log((await gatewayLatency()).join('\n'))
  console.log()
}
if (!only || only === 'parsing') console.log(linearParsing().join('\n'))
if (!only || only === 'watermark') console.log((await watermarkBench()).join('\n'), '\n')
if (only === 'core') console.log((await imageBench()).join('\n'))
if (only === 'profile') console.log((await profileWorkerd()).join('\n'))
