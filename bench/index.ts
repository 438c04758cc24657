import { gatewayLatency } from './gateway-latency'
import { imageBench } from './images'
import { linearParsing } from './linear-parsing'
import { sseThroughput } from './sse-throughput'

const only = process.argv[2]
if (!only || only === 'text') {
  console.log((await sseThroughput()).join('\n'))
  console.log()
  console.log((await gatewayLatency()).join('\n'))
  console.log()
}
if (!only || only === 'images') console.log((await imageBench()).join('\n'))
if (!only || only === 'parsing') console.log(linearParsing().join('\n'))
