// The console: a small single-page app over the admin API. The token lives in
// sessionStorage and goes out as a bearer header (no cookies, so no CSRF surface). Every
// node is built with h(), never from HTML strings, so nothing the API returns can run.
import { STRINGS } from './i18n.js'

const app = document.getElementById('app')
const TOKEN = 'aigc-console-token'
const LANG = 'aigc-console-lang'
const POSITIONS = ['top-left', 'top', 'top-right', 'left', 'right', 'bottom-left', 'bottom', 'bottom-right']
const TEXT_POSITIONS = ['start', 'end', 'both']

let lang = localStorage.getItem(LANG) === 'en' ? 'en' : 'zh'

/** A string in the chosen language, with {name} filled in. */
function t(key, values = {}) {
  const text = STRINGS[lang][key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''))
}

/** An element: h('button', { onclick }, 'text', child…). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value)
    else if (name === 'value') el.value = value
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : String(child))
  return el
}

let fieldCount = 0
/** A labelled control: every input has its <label>. */
function field(labelText, control) {
  const id = control.id || `f${++fieldCount}`
  control.id = id
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control)
}

const token = () => sessionStorage.getItem(TOKEN)
const isOperator = () => (token() ?? '').startsWith('op-aigc-')

class ApiError extends Error {}

/** Calls the gateway; a JSON error body becomes an ApiError with its message and field. */
async function api(method, path, { body, form, raw } = {}) {
  const headers = {}
  if (token() && !raw) headers.authorization = `Bearer ${token()}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, { method, headers, body: form ?? (body === undefined ? undefined : JSON.stringify(body)) })
  if (!response.ok) {
    const error = await response.json().catch(() => ({}))
    const { message = `${response.status}`, param } = error.error ?? {}
    throw new ApiError(param ? `${param}: ${message.replace(`${param}: `, '')}` : message)
  }
  return response
}
const json = async (method, path, options) => (await api(method, path, options)).json()

function alertBox(message, kind = 'error') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message)
}

/** Runs an action from a button, showing its failure next to it. */
function guarded(slot, action) {
  return async (event) => {
    event?.preventDefault()
    slot.replaceChildren()
    try {
      await action()
    } catch (error) {
      slot.replaceChildren(alertBox(t('error') + error.message))
    }
  }
}

function header() {
  const nav = h('nav', { 'aria-label': 'main' },
    h('a', { href: '#/check' }, t('check')),
    token() ? h('a', { href: '#/tenants' }, t('tenants')) : h('a', { href: '#/signin' }, t('signIn')),
  )
  const language = h('select', { id: 'language', onchange: (e) => { lang = e.target.value; localStorage.setItem(LANG, lang); document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'; route() } },
    h('option', { value: 'zh', selected: lang === 'zh' }, '中文'),
    h('option', { value: 'en', selected: lang === 'en' }, 'English'),
  )
  return h('header', {},
    h('h1', {}, t('title')), nav,
    h('div', { class: 'tools' }, h('label', { for: 'language' }, t('language')), language,
      token() ? h('button', { type: 'button', onclick: () => { sessionStorage.removeItem(TOKEN); location.hash = '#/signin' } }, t('signOut')) : null),
  )
}

function render(...content) {
  document.title = t('title')
  app.replaceChildren(header(), h('main', { id: 'main' }, ...content))
  app.querySelector('main h2')?.setAttribute('tabindex', '-1')
  app.querySelector('main h2')?.focus()
}

// ——— Sign in ———

function signIn() {
  const input = h('input', { type: 'password', autocomplete: 'off', required: true })
  const slot = h('div')
  const form = h('form', { onsubmit: guarded(slot, async () => {
    sessionStorage.setItem(TOKEN, input.value.trim())
    try {
      await json('GET', '/admin/tenants')
    } catch (error) {
      sessionStorage.removeItem(TOKEN)
      throw new ApiError(t('signInFailed').replace(t('error'), '') + error.message)
    }
    location.hash = '#/tenants'
  }) }, field(t('token'), input), h('button', { type: 'submit' }, t('signIn')), slot)
  render(h('h2', {}, t('signIn')), form)
}

// ——— Tenants ———

async function tenantList() {
  const { data } = await json('GET', '/admin/tenants')
  const slot = h('div')
  const rows = data.map((tenant) => h('tr', {},
    h('td', {}, h('a', { href: `#/tenants/${encodeURIComponent(tenant.id)}` }, tenant.id)),
    h('td', {}, tenant.name), h('td', {}, tenant.providerCode),
    h('td', {}, isOperator() ? null : h('button', { type: 'button', class: 'danger', onclick: guarded(slot, async () => {
      if (!confirm(t('confirmDelete', { id: tenant.id }))) return
      await api('DELETE', `/admin/tenants/${encodeURIComponent(tenant.id)}`)
      route()
    }) }, t('delete'))),
  ))
  const table = h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('id')), h('th', {}, t('name')), h('th', {}, t('providerCode')), h('th', {}, h('span', { class: 'sr-only' }, t('delete'))))), h('tbody', {}, rows))
  render(h('h2', {}, t('tenants')), slot, table, isOperator() ? null : createTenantForm())
}

function createTenantForm() {
  const inputs = {
    id: h('input', { required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}', name: 'id' }),
    name: h('input', { required: true, name: 'name' }),
    providerCode: h('input', { required: true, name: 'providerCode' }),
    baseUrl: h('input', { type: 'url', required: true, name: 'baseUrl' }),
    apiKey: h('input', { type: 'password', required: true, name: 'apiKey', autocomplete: 'off' }),
  }
  const slot = h('div')
  return h('form', { class: 'card', onsubmit: guarded(slot, async () => {
    await json('POST', '/admin/tenants', { body: {
      id: inputs.id.value, name: inputs.name.value, providerCode: inputs.providerCode.value,
      upstream: { baseUrl: inputs.baseUrl.value, apiKey: inputs.apiKey.value },
    } })
    location.hash = `#/tenants/${encodeURIComponent(inputs.id.value)}`
  }) },
  h('h3', {}, t('createTenant')),
  field(t('id'), inputs.id), field(t('name'), inputs.name), field(t('providerCode'), inputs.providerCode),
  field(t('upstreamUrl'), inputs.baseUrl), field(t('upstreamKey'), inputs.apiKey),
  h('button', { type: 'submit' }, t('create')), slot)
}

// ——— One tenant ———

const SECTIONS = ['settings', 'details', 'keys', 'unmark', 'log']

async function tenantPage(id, section) {
  const path = `/admin/tenants/${encodeURIComponent(id)}`
  const tenant = await json('GET', path)
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('tenant') }, SECTIONS.map((name) =>
    h('a', { href: `#/tenants/${encodeURIComponent(id)}/${name}`, 'aria-current': name === section ? 'page' : null }, t(name))))
  const views = { settings: settingsView, details: detailsView, keys: keysView, unmark: unmarkView, log: logView }
  render(h('h2', {}, `${t('tenant')} ${tenant.id}: ${tenant.name}`), tabs, await views[section](tenant, path))
}

/** A <select> whose option labels come from the STRINGS entry `names`. */
function select(options, value, names) {
  return h('select', {}, options.map((option) => h('option', { value: option, selected: option === value }, STRINGS[lang][names][option])))
}

function settingsView(tenant, path) {
  const { text, image } = tenant.labels
  const percent = (value) => h('input', { type: 'number', step: '0.1', min: '0', max: '50', value: (value * 100).toFixed(1) })
  const controls = {
    textText: h('input', { value: text.text }),
    textPosition: select(TEXT_POSITIONS, text.position, 'textPositions'),
    imageText: h('input', { value: image.text }),
    imagePosition: select(POSITIONS, image.position, 'positions'),
    heightRatio: percent(image.heightRatio),
    marginRatio: percent(image.marginRatio),
    color: h('input', { type: 'color', value: image.color.toLowerCase() }),
    opacity: h('input', { type: 'number', step: '0.05', min: '0', max: '1', value: image.opacity }),
    plateColor: h('input', { type: 'color', value: image.plateColor.toLowerCase() }),
    plateOpacity: h('input', { type: 'number', step: '0.05', min: '0', max: '1', value: image.plateOpacity }),
  }
  const upload = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp,image/gif' })
  const labels = () => ({
    text: { text: controls.textText.value, position: controls.textPosition.value },
    image: {
      text: controls.imageText.value, position: controls.imagePosition.value,
      heightRatio: Number(controls.heightRatio.value) / 100, marginRatio: Number(controls.marginRatio.value) / 100,
      color: controls.color.value.toUpperCase(), opacity: Number(controls.opacity.value),
      plateColor: controls.plateColor.value.toUpperCase(), plateOpacity: Number(controls.plateOpacity.value),
    },
  })
  const previewSlot = h('div', { class: 'preview', 'aria-live': 'polite' })
  const saveSlot = h('div', { 'aria-live': 'polite' })
  let pending = 0
  async function preview() {
    const mine = ++pending
    const form = new FormData()
    form.set('labels', JSON.stringify(labels()))
    if (upload.files[0]) form.set('image', upload.files[0])
    try {
      const result = await json('POST', `${path}/preview`, { form })
      if (mine !== pending) return
      const { mark } = result
      const ok = mark.meetsRule
      previewSlot.replaceChildren(
        h('p', {}, t('previewNote')),
        h('img', { id: 'preview-image', src: `data:${result.type};base64,${result.image}`, alt: t('preview'), width: result.width, height: result.height }),
        h('p', { id: 'glyph-height', class: ok ? 'ok' : 'bad' },
          t('glyph', { ink: mark.inkHeight, side: mark.shortestSide, ratio: (mark.ratio * 100).toFixed(2), min: mark.minimumRatio * 100 }), ' — ', ok ? t('meets') : t('fails')),
        h('h4', {}, t('sampleAnswer')), h('pre', { id: 'sample-answer' }, result.text.sample),
      )
    } catch (error) {
      if (mine === pending) previewSlot.replaceChildren(alertBox(t('refused') + error.message))
    }
  }
  let timer
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 250) }
  for (const control of [...Object.values(controls), upload]) control.addEventListener(control.tagName === 'SELECT' || control.type === 'file' ? 'change' : 'input', schedule)
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault()
    saveSlot.replaceChildren()
    try {
      await json('PATCH', path, { body: { labels: labels() } })
      saveSlot.replaceChildren(alertBox(t('saved'), 'ok'))
    } catch (error) {
      saveSlot.replaceChildren(alertBox(t('refused') + error.message))
    }
  } },
  h('fieldset', {}, h('legend', {}, t('textLabel')),
    field(t('labelText'), controls.textText), field(t('position'), controls.textPosition)),
  h('fieldset', {}, h('legend', {}, t('imageMark')),
    field(t('labelText'), controls.imageText), field(t('position'), controls.imagePosition),
    field(t('heightRatio'), controls.heightRatio), field(t('marginRatio'), controls.marginRatio),
    field(t('color'), controls.color), field(t('opacity'), controls.opacity),
    field(t('plateColor'), controls.plateColor), field(t('plateOpacity'), controls.plateOpacity)),
  field(t('previewImage'), upload),
  h('div', { class: 'actions' }, h('button', { type: 'button', onclick: preview }, t('preview')), h('button', { type: 'submit', id: 'save-settings' }, t('save'))),
  saveSlot)
  preview()
  return h('div', { class: 'split' }, form, previewSlot)
}

/** Name, provider code, upstream and browser origins; the upstream key only when a new one is typed. */
function detailsView(tenant, path) {
  const inputs = {
    name: h('input', { required: true, value: tenant.name }),
    providerCode: h('input', { required: true, value: tenant.providerCode }),
    baseUrl: h('input', { type: 'url', required: true, value: tenant.upstream.baseUrl }),
    apiKey: h('input', { type: 'password', autocomplete: 'off', placeholder: '••••••' }),
    corsOrigins: h('input', { value: (tenant.corsOrigins ?? []).join(', ') }),
  }
  const slot = h('div', { 'aria-live': 'polite' })
  return h('form', { onsubmit: async (event) => {
    event.preventDefault()
    slot.replaceChildren()
    const upstream = { baseUrl: inputs.baseUrl.value, ...(inputs.apiKey.value ? { apiKey: inputs.apiKey.value } : {}) }
    const corsOrigins = inputs.corsOrigins.value.split(',').map((o) => o.trim()).filter(Boolean)
    try {
      await json('PATCH', path, { body: { name: inputs.name.value, providerCode: inputs.providerCode.value, upstream, corsOrigins } })
      inputs.apiKey.value = ''
      slot.replaceChildren(alertBox(t('saved'), 'ok'))
    } catch (error) {
      slot.replaceChildren(alertBox(t('refused') + error.message))
    }
  } },
  field(t('name'), inputs.name), field(t('providerCode'), inputs.providerCode), field(t('upstreamUrl'), inputs.baseUrl),
  field(t('newUpstreamKey'), inputs.apiKey), field(t('corsOrigins'), inputs.corsOrigins),
  h('button', { type: 'submit' }, t('save')), slot)
}

function copyable(secret) {
  const input = h('input', { readonly: true, value: secret, class: 'secret' })
  const status = h('span', { role: 'status' })
  return h('div', { class: 'notice ok' },
    field(t('shownOnce'), input),
    h('button', { type: 'button', onclick: async () => { await navigator.clipboard?.writeText(secret).catch(() => {}); input.select(); status.textContent = t('copied') } }, t('copy')), status)
}

function table(headings, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, headings.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headings.length }, t('none')))))
}

async function keysView(tenant, path) {
  const slot = h('div')
  const reveal = h('div')
  const keys = table([t('prefix'), t('created'), ''], tenant.keys.map((key) => h('tr', {},
    h('td', {}, h('code', {}, key.prefix)), h('td', {}, key.createdAt),
    h('td', {}, h('button', { type: 'button', class: 'danger', onclick: guarded(slot, async () => { await api('DELETE', `${path}/keys/${key.id}`); route() }) }, t('revoke'))))))
  const issue = h('button', { type: 'button', id: 'issue-key', onclick: guarded(slot, async () => {
    const { key } = await json('POST', `${path}/keys`)
    await route()
    app.querySelector('#key-reveal')?.replaceChildren(copyable(key))
  }) }, t('issueKey'))
  reveal.id = 'key-reveal'
  const { keys: signing } = await json('GET', `${path}/signing-keys`)
  const signingTable = table([t('algorithm'), t('validFrom'), t('validUntil')], signing.map((k) => h('tr', {}, h('td', {}, k.algorithm), h('td', {}, k.validFrom), h('td', {}, k.validUntil ?? '—'))))
  const rotate = h('button', { type: 'button', onclick: guarded(slot, async () => { await json('POST', `${path}/signing-keys/rotate`); route() }) }, t('rotate'))
  const parts = [slot, h('h3', {}, t('gatewayKeys')), keys, issue, reveal, h('h3', {}, t('signingKeys')), signingTable, rotate]
  if (!isOperator()) parts.push(...(await operatorsPart(path, slot)))
  return h('div', {}, parts)
}

async function operatorsPart(path, slot) {
  const { data } = await json('GET', `${path}/operator-tokens`)
  const name = h('input', { required: true })
  const reveal = h('div', { id: 'operator-reveal' })
  const rows = data.map((op) => h('tr', {}, h('td', {}, op.name), h('td', {}, h('code', {}, op.prefix)), h('td', {}, op.createdAt),
    h('td', {}, h('button', { type: 'button', class: 'danger', onclick: guarded(slot, async () => { await api('DELETE', `${path}/operator-tokens/${op.id}`); route() }) }, t('revoke')))))
  const form = h('form', { onsubmit: guarded(slot, async () => {
    const { token: secret } = await json('POST', `${path}/operator-tokens`, { body: { name: name.value } })
    await route()
    app.querySelector('#operator-reveal')?.replaceChildren(copyable(secret))
  }) }, field(t('holder'), name), h('button', { type: 'submit' }, t('issueOperator')))
  return [h('h3', {}, t('operators')), table([t('holder'), t('prefix'), t('created'), ''], rows), form, reveal]
}

async function unmarkView(tenant, path) {
  const slot = h('div')
  const [{ data: pending }, { data: approved }] = await Promise.all([json('GET', `${path}/unmark-grants?status=pending`), json('GET', `${path}/unmark-grants?status=approved`)])
  const decide = (grant, action, note) => guarded(slot, async () => { await json('POST', `${path}/unmark-grants/${grant.id}/${action}`, { body: note ? { note: note.value } : {} }); route() })
  const identity = (grant) => h('dl', {}, Object.entries(grant.identity ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
  const pendingRows = pending.map((grant) => {
    const note = h('input', { class: 'note' })
    return h('tr', { 'data-grant': grant.id }, h('td', {}, h('code', {}, grant.id)), h('td', {}, grant.user), h('td', {}, grant.purpose), h('td', {}, identity(grant)),
      h('td', {}, field(t('note'), note), h('button', { type: 'button', onclick: decide(grant, 'approve', note) }, t('approve')), h('button', { type: 'button', class: 'danger', onclick: decide(grant, 'reject', note) }, t('reject'))))
  })
  const approvedRows = approved.map((grant) => h('tr', {}, h('td', {}, h('code', {}, grant.id)), h('td', {}, grant.user), h('td', {}, grant.expiresAt),
    h('td', {}, h('button', { type: 'button', class: 'danger', onclick: decide(grant, 'revoke') }, t('revoke')))))
  return h('div', {}, slot,
    h('h3', {}, t('pending')), table([t('grant'), t('user'), t('purpose'), t('identity'), ''], pendingRows),
    h('h3', {}, t('approved')), table([t('grant'), t('user'), t('validUntil'), ''], approvedRows))
}

async function logView(tenant, path) {
  const slot = h('div')
  const inputs = { from: h('input', { type: 'date' }), to: h('input', { type: 'date' }), user: h('input', {}), grant: h('input', {}) }
  const result = h('div', { 'aria-live': 'polite' })
  const query = () => {
    const params = new URLSearchParams()
    if (inputs.from.value) params.set('from', new Date(`${inputs.from.value}T00:00:00Z`).toISOString())
    if (inputs.to.value) params.set('to', new Date(Date.parse(`${inputs.to.value}T00:00:00Z`) + 86_400_000).toISOString())
    return params
  }
  async function load() {
    const text = await (await api('GET', `${path}/unmark-log?${query()}`)).text()
    const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line))
      .filter((row) => (!inputs.user.value || row.endUser === inputs.user.value) && (!inputs.grant.value || row.grantId === inputs.grant.value))
    result.replaceChildren(table(['seq', t('event'), t('at'), t('user'), t('grant'), t('details')], rows.map((row) =>
      h('tr', {}, h('td', {}, row.seq), h('td', {}, row.event), h('td', {}, row.at), h('td', {}, row.endUser ?? ''), h('td', {}, row.grantId ?? ''), h('td', {}, h('code', {}, JSON.stringify(row.details ?? {})))))))
  }
  const verdict = h('div', { id: 'chain-verdict', 'aria-live': 'polite' })
  const verify = guarded(slot, async () => {
    const v = await json('GET', `${path}/unmark-log/verify`)
    verdict.replaceChildren(v.valid
      ? alertBox(t('chainValid', { rows: v.rows, anchor: v.signedAnchor ? `${v.signedAnchor.day} (seq ${v.signedAnchor.seq})` : t('none') }), 'ok')
      : alertBox(t('chainInvalid', { seq: v.firstBadSeq ?? '?', reason: v.reason })))
  })
  const download = (format) => guarded(slot, async () => {
    const params = query()
    params.set('format', format)
    const blob = await (await api('GET', `${path}/unmark-log?${params}`)).blob()
    const link = h('a', { href: URL.createObjectURL(blob), download: `unmark-log-${tenant.id}.${format}` })
    document.body.append(link)
    link.click()
    link.remove()
  })
  const form = h('form', { class: 'filters', onsubmit: guarded(slot, load) },
    field(t('from'), inputs.from), field(t('to'), inputs.to), field(t('user'), inputs.user), field(t('grant'), inputs.grant),
    h('button', { type: 'submit' }, t('filter')))
  await load()
  return h('div', {}, slot, form,
    h('div', { class: 'actions' }, h('button', { type: 'button', id: 'verify-chain', onclick: verify }, t('verify')),
      h('button', { type: 'button', id: 'export-jsonl', onclick: download('jsonl') }, t('exportJsonl')),
      h('button', { type: 'button', id: 'export-csv', onclick: download('csv') }, t('exportCsv'))),
    verdict, result)
}

// ——— Check a file (public) ———

function checkPage() {
  const input = h('input', { type: 'file', id: 'check-file' })
  const out = h('div', { 'aria-live': 'polite' })
  async function check(file) {
    out.replaceChildren()
    try {
      const response = await api('POST', '/v1/aigc/detect', { form: file, raw: true })
      out.replaceChildren(...report(await response.json()))
    } catch (error) {
      out.replaceChildren(alertBox(t('error') + error.message))
    }
  }
  input.addEventListener('change', () => input.files[0] && check(input.files[0]))
  const zone = h('div', { class: 'drop', ondragover: (e) => e.preventDefault(), ondrop: (e) => { e.preventDefault(); if (e.dataTransfer.files[0]) check(e.dataTransfer.files[0]) } },
    h('p', {}, t('checkHelp')), field(t('file'), input))
  render(h('h2', {}, t('checkTitle')), zone, out)
}

function report(r) {
  const found = h('p', { id: 'check-verdict', class: r.labelled ? 'ok' : 'bad' }, r.labelled ? t('labelled') : t('notLabelled'), r.verdict ? ` — ${t('verdict')}: ${r.verdict.meaning}` : '')
  const labels = (r.labels ?? []).map((label) => h('section', { class: 'card' },
    h('h3', {}, label.carrier),
    h('h4', {}, t('fields')),
    h('dl', {}, Object.entries(label.fields ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, v))])),
    h('h4', {}, t('signatures')),
    h('ul', {}, (label.signatures ?? []).map((s) => h('li', { class: s.status === 'valid' ? 'ok' : 'bad' }, `${s.field} (${s.role}): ${s.status}${s.algorithm ? `, ${s.algorithm}` : ''}`))),
  ))
  const findings = h('ul', {}, (r.findings ?? []).map((f) => h('li', { class: f.level }, `[${f.level}] ${f.code}: ${f.message}`)))
  return [found, ...labels, h('h3', {}, t('findings')), findings, h('h3', {}, t('rawJson')), h('pre', { id: 'raw-report' }, JSON.stringify(r, null, 2))]
}

// ——— Routing ———

async function route() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'
  const [, page, id, section] = location.hash.replace(/^#/, '').split('/')
  try {
    if (page === 'check') return checkPage()
    if (!token() || page === 'signin') return signIn()
    if (page === 'tenants' && id) return await tenantPage(decodeURIComponent(id), SECTIONS.includes(section) ? section : 'settings')
    return await tenantList()
  } catch (error) {
    render(alertBox(t('error') + error.message), h('p', {}, h('a', { href: '#/tenants' }, t('back'))))
  }
}

addEventListener('hashchange', route)
route()
