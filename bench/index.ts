import { gatewayLatency } from './gateway-latency'
import { imageBench } from './images'
import { linearParsing } from './linear-parsing'
import { profileWorkerd } from './profile-workerd'
import { sseThroughput } from './sse-throughput'
import { workerdBench } from './workerd'

// `npm run bench [workerd|text|core|parsing|profile]`; the profile runs only when asked for.
const only = process.argv[2]
if (!only || only === 'workerd') console.log((await workerdBench()).join('\n'), '\n')
if (!only || only === 'text') {
  console.log((await sseThroughput()).join('\n'))
  console.log()
  console.log((await gatewayLatency()).join('\n'))
  console.log()
}
if (!only || only === 'core') console.log((await imageBench()).join('\n'))
if (!only || only === 'parsing') console.log(linearParsing().join('\n'))
if (only === 'profile') console.log((await profileWorkerd()).join('\n'))
