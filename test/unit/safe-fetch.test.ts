import { describe, expect, it } from 'vitest'
import { allowedFetchHosts, hostMatches, parseIpv6, registrableDomain, urlProblem } from '../../src/upstream/safe-fetch'

const deployed = { httpsOnly: true, allowedHosts: ['*.aliyuncs.com', 'cdn.example.com', '*.upstream.test'] }
const problem = (url: string, policy = deployed) => urlProblem(new URL(url), policy)

describe('outbound URL policy', () => {
  it('allows https URLs on allowlisted hosts', () => {
    expect(problem('https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/1.png?Expires=1')).toBeUndefined()
    expect(problem('https://aliyuncs.com/x.png')).toBeUndefined()
    expect(problem('https://cdn.example.com./x.png')).toBeUndefined()
  })

  it('refuses other schemes, and http only when deployed', () => {
    expect(problem('http://cdn.example.com/x.png')).toMatch(/scheme http:/)
    expect(problem('http://cdn.example.com/x.png', { ...deployed, httpsOnly: false })).toBeUndefined()
    for (const url of ['file:///etc/passwd', 'ftp://cdn.example.com/x', 'data:image/png;base64,AA', 'gopher://cdn.example.com/']) {
      expect(problem(url), url).toMatch(/scheme/)
    }
  })

  it('refuses hosts outside the allowlist, exact entries matching only themselves', () => {
    expect(problem('https://evil.com/x.png')).toMatch(/not in the tenant's upstream.fetchHosts/)
    expect(problem('https://a.cdn.example.com/x.png')).toMatch(/not in/)
    expect(problem('https://aliyuncs.com.evil.com/x.png')).toMatch(/not in/)
    expect(problem('https://evilaliyuncs.com/x.png')).toMatch(/not in/)
    expect(problem('https://user:pw@cdn.example.com/x.png')).toMatch(/credentials/)
  })

  it('refuses loopback, private, link-local and metadata addresses in every spelling, even when allowlisted', () => {
    const open = { httpsOnly: false, allowedHosts: ['*.com', '*.internal', 'localhost', 'metadata', ...Array.from({ length: 256 }, (_, i) => `${i}.0.0.0`)] }
    const refused = [
      'http://127.0.0.1/', 'http://127.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://0.0.0.0/',
      'http://10.1.2.3/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.1.1/', 'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://[::]/', 'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/', 'http://[::ffff:169.254.169.254]/', 'http://[64:ff9b::a00:1]/', 'http://[fe80::1]/',
      'http://[fd00:ec2::254]/', 'http://[fc00::1]/', 'http://[ff02::1]/', 'http://[::127.0.0.1]/', 'http://[2002:7f00:1::]/',
      'http://localhost/', 'http://LOCALHOST./', 'http://app.localhost/', 'http://metadata.google.internal/', 'http://metadata/',
      'http://printer.local/', 'http://224.0.0.1/', 'http://255.255.255.255/',
    ]
    for (const url of refused) {
      const why = urlProblem(new URL(url), { ...open, allowedHosts: [...open.allowedHosts, new URL(url).hostname] })
      expect(why, url).toMatch(/^(address|host) /)
      expect(why, url).not.toMatch(/fetchHosts/)
    }
    expect(urlProblem(new URL('http://8.8.8.8/'), { ...open, allowedHosts: ['8.8.8.8'] })).toBeUndefined()
    expect(urlProblem(new URL('http://[2606:4700::1111]/'), { ...open, allowedHosts: ['[2606:4700::1111]'] })).toBeUndefined()
    expect(urlProblem(new URL('http://172.32.0.1/'), { ...open, allowedHosts: ['172.32.0.1'] })).toBeUndefined()
  })

  it('parses IPv6 forms', () => {
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1])
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304])
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const bad of ['1::2::3', '1:2:3', '12345::', '1:2:3:4:5:6:7:8::', ':::']) expect(parseIpv6(bad), bad).toBeUndefined()
  })

  it("defaults to the upstream base URLs' registrable domains", () => {
    expect(registrableDomain('dashscope.aliyuncs.com')).toBe('aliyuncs.com')
    expect(registrableDomain('api.example.com.cn')).toBe('example.com.cn')
    expect(allowedFetchHosts({ baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', anthropicBaseUrl: 'https://api.moonshot.cn/anthropic/v1' })).toEqual(['*.aliyuncs.com', '*.moonshot.cn'])
    expect(allowedFetchHosts({ baseUrl: 'https://a.example.com/v1', fetchHosts: ['oss.example.net'] })).toEqual(['oss.example.net'])
    expect(allowedFetchHosts({ baseUrl: 'demo://model/v1' })).toEqual([])
    expect(hostMatches('x.y.example.com', '*.example.com')).toBe(true)
  })
})
