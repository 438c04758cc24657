// The console in headless Chromium (Debian's, driven by playwright-core) against the gateway
// as `npm start` runs it. Screenshots of each page go to .ci/artifacts/console/.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ADMIN = 'dev-admin-token'
const PROVIDER = '001191110000MA01ABCD2X00000'
const SHOTS = '.ci/artifacts/console'

let server: ChildProcess
let state: string
let base: string
let browser: Browser

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  const port = await freePort()
  state = mkdtempSync(join(tmpdir(), 'console-e2e-'))
  base = `http://127.0.0.1:${port}`
  server = spawn(process.execPath, ['scripts/start.mjs', '--persist-to', state], { env: { ...process.env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${seen}`)), 90_000)
    const watch = (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.includes('Ready on')) {
        clearTimeout(timer)
        resolve()
      }
    }
    server.stdout!.on('data', watch)
    server.stderr!.on('data', watch)
    server.on('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${seen}`)))
  })
  mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (server?.pid) process.kill(-server.pid, 'SIGTERM')
  rmSync(state, { recursive: true, force: true })
})

const adminApi = (method: string, path: string, body?: unknown, token = ADMIN) =>
  fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })

async function signIn(page: Page, token: string) {
  await page.goto(`${base}/console/#/signin`)
  await page.getByLabel(/管理令牌/).fill(token)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByRole('heading', { level: 2, name: '租户' }).waitFor()
}

/**
 * Mean RGB of a region of the preview image, read from its pixels in the page. The page-side
 * code is a string: it runs in the browser, whose DOM types this Node project does not load.
 */
const REGION_MEAN = `async (where) => {
  const img = document.querySelector('#preview-image')
  await img.decode()
  const canvas = document.createElement('canvas')
  canvas.width = img.naturalWidth
  canvas.height = img.naturalHeight
  const ctx = canvas.getContext('2d')
  ctx.drawImage(img, 0, 0)
  const [w, h] = [Math.round(canvas.width / 5), Math.round(canvas.height / 5)]
  const data = ctx.getImageData(where === 'top-left' ? 0 : canvas.width - w, where === 'top-left' ? 0 : canvas.height - h, w, h).data
  const sum = [0, 0, 0]
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c]
  return sum.map((s) => s / (data.length / 4))
}`

function regionMean(page: Page, region: 'top-left' | 'bottom-right'): Promise<number[]> {
  return page.evaluate(`(${REGION_MEAN})(${JSON.stringify(region)})`)
}

const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]!))

describe('the console', () => {
  const id = `acme${Date.now().toString(36)}`

  it('signs in, creates a tenant, previews the mark and refuses a 3% ratio', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${base}/console/`)
    await page.screenshot({ path: `${SHOTS}/signin.png` })
    await signIn(page, ADMIN)
    await page.getByLabel('标识', { exact: true }).fill(id)
    await page.getByLabel('名称', { exact: true }).fill('Acme AI')
    await page.getByLabel('服务提供者编码').fill(PROVIDER)
    await page.getByLabel('上游 API 地址').fill('https://upstream.example/v1')
    await page.getByLabel('上游 API 密钥').fill('sk-upstream-secret')
    await page.screenshot({ path: `${SHOTS}/tenants.png`, fullPage: true })
    await page.getByRole('button', { name: '创建' }).click()
    await page.getByRole('heading', { level: 2, name: new RegExp(id) }).waitFor()
    await page.locator('#glyph-height').waitFor()
    expect(await page.locator('#glyph-height').textContent()).toMatch(/最短边 540 像素 = 6\.\d+%.*符合/)
    const before = { tl: await regionMean(page, 'top-left'), br: await regionMean(page, 'bottom-right') }

    // Move the mark: the pixels at the old corner return to the plain image, the new one darkens.
    const src = await page.locator('#preview-image').getAttribute('src')
    await page.getByLabel('位置').nth(1).selectOption('top-left')
    await expect.poll(() => page.locator('#preview-image').getAttribute('src')).not.toBe(src)
    const after = { tl: await regionMean(page, 'top-left'), br: await regionMean(page, 'bottom-right') }
    expect(distance(before.tl, after.tl)).toBeGreaterThan(5)
    expect(distance(before.br, after.br)).toBeGreaterThan(5)
    await page.screenshot({ path: `${SHOTS}/settings.png`, fullPage: true })

    await page.getByLabel('字高占最短边比例（%）').fill('3')
    await page.getByRole('button', { name: '保存' }).click()
    await expect.poll(() => page.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/未保存：labels\.image\.heightRatio: must be at least 0\.05/))
    const stored = (await (await adminApi('GET', `/admin/tenants/${id}`)).json()) as { labels: { image: { heightRatio: number; position: string } } }
    expect(stored.labels.image).toMatchObject({ heightRatio: 0.06, position: 'bottom-right' })

    await page.getByLabel('字高占最短边比例（%）').fill('8')
    await page.getByRole('button', { name: '保存' }).click()
    await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
    const saved = (await (await adminApi('GET', `/admin/tenants/${id}`)).json()) as { labels: { image: { heightRatio: number; position: string } } }
    expect(saved.labels.image).toMatchObject({ heightRatio: 0.08, position: 'top-left' })

    // The details tab changes the name; an empty key field keeps the upstream key.
    await page.goto(`${base}/console/#/tenants/${id}/details`)
    await page.getByLabel('名称', { exact: true }).fill('Acme AI 2')
    await page.getByRole('button', { name: '保存' }).click()
    await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
    expect(((await (await adminApi('GET', `/admin/tenants/${id}`)).json()) as { name: string }).name).toBe('Acme AI 2')
    await page.close()
  })

  it('issues and revokes a key, approves a grant, verifies and exports the log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await signIn(page, ADMIN)
    await page.goto(`${base}/console/#/tenants/${id}/keys`)
    const keyRows = () => page.locator('table').first().locator('tbody tr').filter({ has: page.getByRole('button', { name: '吊销' }) }).count()
    const before = await keyRows()
    await page.getByRole('button', { name: '签发密钥' }).click()
    const shown = await page.locator('#key-reveal input').inputValue()
    expect(shown).toMatch(/^sk-aigc-/)
    expect(await keyRows()).toBe(before + 1)
    await page.screenshot({ path: `${SHOTS}/keys.png`, fullPage: true })
    await page.locator('table').first().getByRole('button', { name: '吊销' }).last().click()
    await expect.poll(keyRows).toBe(before)

    // An end user applies for unlabelled delivery with a gateway key; the operator approves it here.
    await adminApi('PATCH', `/admin/tenants/${id}`, { unmark: { allowed: true, agreementVersion: 'v1', requiredIdentity: ['realName'] } })
    const key = ((await (await adminApi('POST', `/admin/tenants/${id}/keys`)).json()) as { key: string }).key
    const applied = await fetch(`${base}/v1/aigc/unmark-grants`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'user-42', purpose: '出版物自行标注', agreementVersion: 'v1', acceptedAt: new Date(Date.now() - 1000).toISOString(), identity: { realName: '张三' } }),
    })
    const grant = ((await applied.json()) as { id: string }).id
    await page.goto(`${base}/console/#/tenants/${id}/unmark`)
    const row = page.locator(`tr[data-grant="${grant}"]`)
    await expect.poll(() => row.textContent()).toContain('张三')
    await row.getByLabel('备注').fill('资料齐全')
    await page.screenshot({ path: `${SHOTS}/unmark.png`, fullPage: true })
    await row.getByRole('button', { name: '批准' }).click()
    await page.getByRole('heading', { name: '已批准' }).waitFor()
    await expect.poll(() => page.locator('table').nth(1).textContent()).toContain(grant)

    await page.goto(`${base}/console/#/tenants/${id}/log`)
    await page.getByRole('button', { name: '校验日志链' }).click()
    await expect.poll(() => page.locator('#chain-verdict').textContent()).toMatch(/日志链完整/)
    expect(await page.locator('table').textContent()).toContain('grant_approved')
    await page.screenshot({ path: `${SHOTS}/log.png`, fullPage: true })
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 CSV' }).click()])
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv.split('\r\n')[0]).toBe('seq,event,at,grantId,endUser,produceIds,contentKind,route,clientIp,userAgent,requestId,details,prevHash,hash')
    expect(csv).toContain('grant_approved')
    await page.close()
  })

  it('gives an operator its own tenant only', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await signIn(page, ADMIN)
    await page.goto(`${base}/console/#/tenants/${id}/keys`)
    await page.getByLabel('持有人').fill('Wang Fang')
    await page.getByRole('button', { name: '签发运营令牌' }).click()
    const token = await page.locator('#operator-reveal input').inputValue()
    expect(token).toMatch(/^op-aigc-/)
    await page.getByRole('button', { name: '退出' }).click()

    await signIn(page, token)
    const ids = await page.locator('tbody tr td:first-child').allTextContents()
    expect(ids).toEqual([id])
    await page.goto(`${base}/console/#/tenants/demo/settings`)
    await expect.poll(() => page.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/no tenant "demo"/))
    await page.close()
  })

  it('shows a detection report for a labelled file on the public check page, in both languages', async () => {
    const key = ((await (await adminApi('POST', `/admin/tenants/${id}/keys`)).json()) as { key: string }).key
    const png = await labelledPng(key)
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${base}/console/#/check`)
    await page.getByLabel('文件').setInputFiles({ name: 'labelled.png', mimeType: 'image/png', buffer: Buffer.from(png) })
    await expect.poll(() => page.locator('#check-verdict').textContent()).toMatch(/发现标识.*属于/)
    expect(JSON.parse((await page.locator('#raw-report').textContent())!)).toMatchObject({ labelled: true, format: 'png' })
    await page.screenshot({ path: `${SHOTS}/check.png`, fullPage: true })
    await page.getByLabel('语言').selectOption('en')
    await page.getByRole('heading', { name: 'Check a file for AIGC labels' }).waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    await page.close()

    async function labelledPng(gatewayKey: string): Promise<Uint8Array> {
      const form = new FormData()
      form.set('labels', '{}')
      const preview = (await (await fetch(`${base}/admin/tenants/${id}/preview`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form })).json()) as { image: string }
      const labelled = await fetch(`${base}/v1/aigc/label?mark=implicit`, { method: 'POST', headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'image/png' }, body: Buffer.from(preview.image, 'base64') })
      return new Uint8Array(await labelled.arrayBuffer())
    }
  })
})
