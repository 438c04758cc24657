/**
 * Fetches of URLs an upstream answer names (generated images today; audio and video later).
 * The URL comes from a model API, so it is attacker-controlled as far as the gateway is
 * concerned: it must not reach the gateway's own network, cloud metadata endpoints or any
 * host the tenant has not named. `urlProblem` is the whole policy, pure; `safeFetch`
 * applies it to the first URL and again to every redirect, which it follows by hand.
 *
 * Workers cannot resolve a name before connecting, so a public name pointing at a private
 * address is kept out by the host allowlist, not by this check (and Cloudflare's fetch does
 * not route to private networks of its own).
 */
import { GatewayError } from '../errors'
import { checkLimit, LimitError } from '../limits'

export interface FetchPolicy {
  /** Deployments fetch over https only; development may use http. */
  httpsOnly: boolean
  /** `host` matches that host exactly; `*.domain` matches the domain and every subdomain. */
  allowedHosts: readonly string[]
}

/** Why `url` must not be fetched, or undefined when it may be. */
export function urlProblem(url: URL, policy: FetchPolicy): string | undefined {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.httpsOnly)) {
    return `scheme ${url.protocol} is not allowed (${policy.httpsOnly ? 'https' : 'https or http'} only)`
  }
  if (url.username || url.password) return 'URLs with credentials are not fetched'
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  const address = ipAddressProblem(host)
  if (address) return address
  const literal = host.startsWith('[') || parseIpv4(host) !== undefined
  if (!literal && isLocalName(host)) return `host ${host} is a local name`
  if (!policy.allowedHosts.some((pattern) => hostMatches(host, pattern))) return `host ${host} is not in the tenant's upstream.fetchHosts`
  return undefined
}

export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase()
  if (!p.startsWith('*.')) return host === p
  const domain = p.slice(2)
  return host === domain || host.endsWith(`.${domain}`)
}

// Names that only mean something inside a network: RFC 6761 localhost, mDNS .local, RFC
// 8375 home.arpa, and the cloud metadata names (metadata.google.internal and the like).
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain', 'lan', 'intranet']

function isLocalName(host: string): boolean {
  // A single label resolves through the local search domain.
  if (!host.includes('.')) return true
  return LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))
}

/** For an IP literal, why it is not a public unicast address; undefined for names and public IPs. */
export function ipAddressProblem(host: string): string | undefined {
  if (host.startsWith('[')) {
    const groups = parseIpv6(host.slice(1, -1))
    if (!groups) return `host ${host} is not a valid IPv6 address`
    const problem = ipv6Problem(groups)
    return problem && `address ${host} is ${problem}`
  }
  const v4 = parseIpv4(host)
  const problem = v4 && ipv4Problem(v4)
  return problem ? `address ${host} is ${problem}` : undefined
}

/** The WHATWG URL parser already turned decimal, octal and hex forms into dotted quads. */
function parseIpv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  if (!m) return undefined
  const octets = m.slice(1).map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

// [first octet, second octet range, what it is]; RFC 6890 special-purpose registry.
const V4_RANGES: [number, number, number, string][] = [
  [0, 0, 255, 'the unspecified network'],
  [10, 0, 255, 'private (RFC 1918)'],
  [100, 64, 127, 'carrier-grade NAT (RFC 6598)'],
  [127, 0, 255, 'loopback'],
  [169, 254, 254, 'link-local (cloud metadata lives here)'],
  [172, 16, 31, 'private (RFC 1918)'],
  [192, 168, 168, 'private (RFC 1918)'],
  [198, 18, 19, 'benchmarking (RFC 2544)'],
]

function ipv4Problem([a, b, c]: number[]): string | undefined {
  for (const [first, from, to, what] of V4_RANGES) if (a === first && b! >= from && b! <= to) return what
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved (RFC 6890)'
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation (RFC 5737)'
  if (a! >= 224) return 'multicast or reserved'
  return undefined
}

/** Eight 16-bit groups, or undefined when it is not an IPv6 address. */
export function parseIpv6(text: string): number[] | undefined {
  // A trailing dotted quad (`::ffff:127.0.0.1`) is two groups written another way.
  const body = text.toLowerCase().replace(/(\d+\.\d+\.\d+\.\d+)$/, (quad) => {
    const o = parseIpv4(quad)
    return o ? `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}` : 'x'
  })
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)))
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  const gap = 8 - head.length - tail.length
  if (halves.length === 2 ? gap < 1 : gap !== 0) return undefined
  const groups = [...head, ...Array<number>(gap).fill(0), ...tail]
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined
}

function ipv6Problem(g: number[]): string | undefined {
  const embeddedV4 = () => [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255]
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeros(8)) return 'the unspecified address'
  if (zeros(7) && g[7] === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
  // reach the IPv4 address they carry.
  const mapped = zeros(5) && g[5] === 0xffff
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)
  if (mapped || nat64 || zeros(6)) return ipv4Problem(embeddedV4()) ?? (mapped || nat64 ? undefined : 'IPv4-compatible (deprecated)')
  if (g[0] === 0x2002) return ipv4Problem([g[1]! >> 8, g[1]! & 255, g[2]! >> 8]) && '6to4 of a non-public IPv4 address'
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)'
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)'
  if ((g[0]! & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)'
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast'
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'documentation (2001:db8::/32)'
  return undefined
}

// Public suffixes with a second level that registrants cannot take (a small list of the
// ones model providers' CDNs use, not the whole Public Suffix List).
const TWO_LEVEL_SUFFIXES = new Set(['com.cn', 'net.cn', 'org.cn', 'gov.cn', 'edu.cn', 'ac.cn', 'com.hk', 'com.tw', 'co.uk', 'co.jp', 'com.au', 'com.sg', 'co.kr'])

/** The registrable domain of a host name (`dashscope.aliyuncs.com` → `aliyuncs.com`). */
export function registrableDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.')
  if (labels.length <= 2) return labels.join('.')
  const lastTwo = labels.slice(-2).join('.')
  return TWO_LEVEL_SUFFIXES.has(lastTwo) ? labels.slice(-3).join('.') : lastTwo
}

/** The hosts a tenant's upstream may send the gateway to: its own list, else its base URLs' domain families. */
export function allowedFetchHosts(upstream: { baseUrl: string; anthropicBaseUrl?: string; fetchHosts?: string[] }): string[] {
  if (upstream.fetchHosts) return upstream.fetchHosts
  const hosts = [upstream.baseUrl, upstream.anthropicBaseUrl].flatMap((base) => {
    const url = base ? parseUrl(base) : undefined
    if (!url || !/^https?:$/.test(url.protocol)) return []
    const host = url.hostname
    const exact = host.startsWith('[') || parseIpv4(host) !== undefined || !host.includes('.')
    return [exact ? host : `*.${registrableDomain(host)}`]
  })
  return [...new Set(hosts)]
}

function parseUrl(url: string, base?: URL): URL | undefined {
  try {
    return new URL(url, base)
  } catch {
    return undefined
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * GET `url` under `policy`, following at most LIMITS.fetchRedirects redirects, each
 * checked before it is fetched. Any refusal is a 502: the upstream's answer pointed
 * somewhere the gateway will not go, so nothing from it is delivered.
 */
export async function safeFetch(url: string, policy: FetchPolicy, init: { signal?: AbortSignal } = {}): Promise<Response> {
  let target = parseUrl(url)
  for (let redirects = 0; ; redirects++) {
    const problem = target ? urlProblem(target, policy) : 'it is not a valid URL'
    if (problem) throw new GatewayError(502, 'upstream_invalid_response', `an upstream media URL was not fetched: ${problem}`)
    let response: Response
    try {
      response = await fetch(target!, { redirect: 'manual', signal: init.signal })
    } catch {
      throw new GatewayError(502, 'upstream_unreachable', 'an upstream media URL could not be fetched')
    }
    if (!REDIRECTS.has(response.status)) return response
    await response.body?.cancel()
    try {
      checkLimit('fetchRedirects', redirects + 1, 'an upstream media URL redirected')
    } catch (error) {
      if (error instanceof LimitError) throw new GatewayError(502, 'upstream_invalid_response', error.message, error.limit.name)
      throw error
    }
    const location = response.headers.get('location')
    target = location === null ? undefined : parseUrl(location, target)
  }
}
