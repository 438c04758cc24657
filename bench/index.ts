import { gatewayLatency } from './gateway-latency'
import { sseThroughput } from './sse-throughput'

console.log((await sseThroughput()).join('\n'))
console.log()
console.log((await gatewayLatency()).join('\n'))
