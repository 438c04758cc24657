/**
 * MP4, MOV and M4A (ISO base media / QuickTime): the label is the `AIGC` key of a
 * `moov/udta/meta` box with handler `mdta`, its value a UTF-8 `data` item in `ilst`: the
 * layout ffmpeg writes with `-movflags use_metadata_tags`. Keys are resolved by name, so
 * every other key and item is kept (renumbered only when an old AIGC key is dropped).
 *
 * Read as well, and replaced by the next write: the same key in a bare `moov/meta` (the
 * QuickTime metadata place) and an iTunes `hdlr mdir` list item (freeform `----` named
 * AIGC, or an item of type `AIGC`).
 *
 * Only `moov` changes. When it precedes media data, every `stco`/`co64` chunk offset past
 * it moves by the growth. Fragmented files (`moof`) are refused: their fragments carry
 * offsets of their own.
 */
import { checkLimit } from '../limits'
import { concat, FormatError, fromUtf8, latin1, need, putU32be, u32be, utf8 } from './bytes'
import type { CarrierFormat, CarrierVariant, FoundLabel } from './types'

export interface Box {
  type: string
  /** The box spans [start, end) of the bytes it was read from; its payload starts at `body`. */
  start: number
  body: number
  end: number
}

const KEY = 'AIGC'
const UTF8_DATA = 1
const MOOV = 'moov'

/**
 * The boxes in [start, end): 32- and 64-bit sizes; size 0 ("to the end of the file", ISO/IEC
 * 14496-12 4.2) only at the file's top level, where `last` is set: inside a box it would
 * swallow the boxes after it, a box the label write adds included.
 */
export function mp4Boxes(bytes: Uint8Array, start: number, end: number, what: string, last = false): Box[] {
  const boxes: Box[] = []
  let at = start
  while (at < end) {
    checkLimit('mp4Boxes', boxes.length + 1, `the boxes of the ${what}`)
    if (end - at < 8) throw new FormatError(`truncated box header in the ${what}`)
    let size = u32be(bytes, at)
    const type = latin1(bytes, at + 4, at + 8)
    let header = 8
    if (size === 1) {
      need(bytes, at + 8, 8, `64-bit size of the ${type} box`)
      const high = u32be(bytes, at + 8)
      // A size past 2^53 cannot be a file we hold; it is a hostile header.
      if (high > 0x1fffff) throw new FormatError(`the ${type} box claims ${high} × 4 GiB`)
      size = high * 2 ** 32 + u32be(bytes, at + 12)
      header = 16
    } else if (size === 0) {
      if (!last) throw new FormatError(`the ${type} box in the ${what} has size 0, which only the file's last box may have`)
      size = end - at
    }
    if (size < header) throw new FormatError(`the ${type} box has an impossible size ${size}`)
    if (at + size > end) throw new FormatError(`the ${type} box (${size} bytes) runs past the end of the ${what}`)
    boxes.push({ type, start: at, body: at + header, end: at + size })
    at += size
  }
  return boxes
}

const children = (bytes: Uint8Array, box: Box) => mp4Boxes(bytes, box.body, box.end, `${box.type} box`)

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const out = concat([new Uint8Array(8), ...payload])
  putU32be(out, 0, out.length)
  out.set(utf8.encode(type), 4)
  return out
}

/** A `meta` box: a FullBox in ISO files, a plain box in QuickTime ones (its payload starts with `hdlr`'s header). */
interface Meta {
  box: Box
  full: boolean
  handler: string
  parts: Box[]
}

function readMeta(bytes: Uint8Array, meta: Box): Meta {
  need(bytes, meta.body, 8, 'meta box')
  const full = latin1(bytes, meta.body + 4, meta.body + 8) !== 'hdlr'
  const parts = mp4Boxes(bytes, meta.body + (full ? 4 : 0), meta.end, 'meta box')
  const hdlr = parts.find((p) => p.type === 'hdlr')
  if (hdlr) need(bytes, hdlr.body, 12, 'hdlr box')
  return { box: meta, full, handler: hdlr ? latin1(bytes, hdlr.body + 8, hdlr.body + 12) : '', parts }
}

/** The names of a `keys` box, in order (item 1 is the first). */
function readKeys(bytes: Uint8Array, keys: Box): string[] {
  need(bytes, keys.body, 8, 'keys box')
  const count = u32be(bytes, keys.body + 4)
  checkLimit('mp4MetadataKeys', count, 'the keys box entry count')
  const names: string[] = []
  let at = keys.body + 8
  for (let i = 0; i < count; i++) {
    if (at + 8 > keys.end) throw new FormatError('truncated keys box')
    const size = u32be(bytes, at)
    if (size < 8 || at + size > keys.end) throw new FormatError('a key runs past its keys box')
    names.push(fromUtf8(bytes.subarray(at + 8, at + size)))
    at += size
  }
  return names
}

/** The UTF-8 text of an item's first `data` box (type 1), if it has one. */
function itemText(bytes: Uint8Array, item: Box): string | undefined {
  const data = children(bytes, item).find((b) => b.type === 'data')
  if (!data) return undefined
  need(bytes, data.body, 8, 'data box')
  if (u32be(bytes, data.body) !== UTF8_DATA) return undefined
  return fromUtf8(bytes.subarray(data.body + 8, data.end))
}

/** An iTunes freeform item's name (`----` with `mean` and `name`). */
function freeformName(bytes: Uint8Array, item: Box): string | undefined {
  const name = children(bytes, item).find((b) => b.type === 'name')
  if (!name) return undefined
  need(bytes, name.body, 4, 'name box')
  return fromUtf8(bytes.subarray(name.body + 4, name.end))
}

interface MetaLabel {
  raw: string
  variant?: CarrierVariant
}

/** The key (1-based) an mdta list item names; an item naming no key would take the index of the key a write appends. */
function keyIndex(bytes: Uint8Array, item: Box, names: string[]): number {
  const index = u32be(bytes, item.start + 4)
  if (index < 1 || index > names.length) throw new FormatError(`an ilst item names key ${index} of the ${names.length} in its keys box`)
  return index
}

/** An iTunes (mdir) list item named AIGC: by its four-character code or as a `----` freeform item. */
const isItunesLabel = (bytes: Uint8Array, item: Box) => item.type === KEY || (item.type === '----' && freeformName(bytes, item) === KEY)

/** The AIGC values in one meta box; `bare` is a meta directly under moov. */
function metaLabels(bytes: Uint8Array, meta: Meta, bare: boolean): MetaLabel[] {
  const ilst = meta.parts.find((p) => p.type === 'ilst')
  if (!ilst) return []
  const items = children(bytes, ilst)
  const found: MetaLabel[] = []
  if (meta.handler === 'mdta') {
    const keysBox = meta.parts.find((p) => p.type === 'keys')
    const names = keysBox ? readKeys(bytes, keysBox) : []
    for (const item of items) {
      const name = names[keyIndex(bytes, item, names) - 1]
      const raw = name === KEY ? itemText(bytes, item) : undefined
      if (raw !== undefined) found.push({ raw, ...(bare ? { variant: 'mp4-moov-meta' as const } : {}) })
    }
  } else if (meta.handler === 'mdir') {
    for (const item of items) {
      const raw = isItunesLabel(bytes, item) ? itemText(bytes, item) : undefined
      if (raw !== undefined) found.push({ raw, variant: 'mp4-itunes-item' })
    }
  }
  return found
}

function topLevel(bytes: Uint8Array): { boxes: Box[]; moov: Box } {
  const boxes = mp4Boxes(bytes, 0, bytes.length, 'file', true)
  const moovs = boxes.filter((b) => b.type === MOOV)
  if (moovs.length !== 1) throw new FormatError(moovs.length ? 'more than one moov box' : 'no moov box: not a complete MP4/MOV file')
  return { boxes, moov: moovs[0]! }
}

/** Every meta box of the moov: bare ones and those in udta. */
function moovMetas(bytes: Uint8Array, moov: Box): { meta: Meta; bare: boolean }[] {
  const metas: { meta: Meta; bare: boolean }[] = []
  for (const child of children(bytes, moov)) {
    if (child.type === 'meta') metas.push({ meta: readMeta(bytes, child), bare: true })
    if (child.type === 'udta') for (const u of children(bytes, child)) if (u.type === 'meta') metas.push({ meta: readMeta(bytes, u), bare: false })
  }
  return metas
}

/** The meta box again: AIGC keys and items dropped (the rest renumbered), and `json` as the last key when given. */
function rewriteMeta(bytes: Uint8Array, meta: Meta, json: string | undefined): Uint8Array {
  const keysBox = meta.parts.find((p) => p.type === 'keys')
  const ilst = meta.parts.find((p) => p.type === 'ilst')
  const names = meta.handler === 'mdta' && keysBox ? readKeys(bytes, keysBox) : []
  const kept = names.filter((n) => n !== KEY)
  // Item n of the old list is item n - (dropped keys before it) of the new one.
  const newIndex = (old: number) => old - names.slice(0, old - 1).filter((n) => n === KEY).length
  const items: Uint8Array[] = []
  for (const item of ilst ? children(bytes, ilst) : []) {
    if (meta.handler === 'mdta') {
      const old = keyIndex(bytes, item, names)
      if (names[old - 1] === KEY) continue
      const copy = bytes.slice(item.start, item.end)
      putU32be(copy, 4, newIndex(old))
      items.push(copy)
    } else if (!isItunesLabel(bytes, item)) {
      items.push(bytes.subarray(item.start, item.end))
    }
  }
  const keyEntries = kept.map((n) => keyEntry(n))
  if (json !== undefined) {
    keyEntries.push(keyEntry(KEY))
    const data = new Uint8Array(8)
    putU32be(data, 0, UTF8_DATA)
    const item = box('data', data, utf8.encode(json))
    const entry = concat([new Uint8Array(8), item])
    putU32be(entry, 0, entry.length)
    putU32be(entry, 4, keyEntries.length)
    items.push(entry)
  }
  const parts: Uint8Array[] = []
  for (const p of meta.parts) {
    if (p.type === 'keys') parts.push(keysFor(keyEntries))
    else if (p.type === 'ilst') parts.push(box('ilst', ...items))
    else parts.push(bytes.subarray(p.start, p.end))
  }
  if (!keysBox && json !== undefined) parts.splice(parts.length - (ilst ? 1 : 0), 0, keysFor(keyEntries))
  if (!ilst && items.length) parts.push(box('ilst', ...items))
  return box('meta', ...(meta.full ? [new Uint8Array(4)] : []), ...parts)
}

function keyEntry(name: string): Uint8Array {
  return box('mdta', utf8.encode(name)) // size + namespace + name: the same shape as a box
}

function keysFor(entries: Uint8Array[]): Uint8Array {
  const head = new Uint8Array(8)
  putU32be(head, 4, entries.length)
  return box('keys', head, ...entries)
}

/** A new `meta` (handler `mdta`) holding only the label, as ffmpeg writes it. */
function newMeta(json: string): Uint8Array {
  const hdlr = new Uint8Array(25)
  hdlr.set(utf8.encode('mdta'), 8)
  const bare = box('meta', new Uint8Array(4), box('hdlr', hdlr))
  return rewriteMeta(bare, readMeta(bare, mp4Boxes(bare, 0, bare.length, 'meta box')[0]!), json)
}

function rewriteUdta(bytes: Uint8Array, udta: Box, json: string): Uint8Array {
  let placed = false
  const parts: Uint8Array[] = []
  for (const child of children(bytes, udta)) {
    if (child.type !== 'meta') {
      parts.push(bytes.subarray(child.start, child.end))
      continue
    }
    const meta = readMeta(bytes, child)
    if (meta.handler === 'mdta' && !placed) {
      parts.push(rewriteMeta(bytes, meta, json))
      placed = true
    } else {
      parts.push(metaLabels(bytes, meta, false).length > 0 ? rewriteMeta(bytes, meta, undefined) : bytes.subarray(child.start, child.end))
    }
  }
  if (!placed) parts.push(newMeta(json))
  return box('udta', ...parts)
}

/** The stco/co64 boxes under `parent` (a moov, or one trak with its path). */
function chunkOffsetTables(bytes: Uint8Array, parent: Box, path = ['trak', 'mdia', 'minf', 'stbl']): Box[] {
  const tables: Box[] = []
  const visit = (parent: Box, path: string[]) => {
    for (const child of children(bytes, parent)) {
      if (path.length === 0 && (child.type === 'stco' || child.type === 'co64')) tables.push(child)
      else if (child.type === path[0]) visit(child, path.slice(1))
    }
  }
  visit(parent, path)
  return tables
}

/** Calls `move(offset)` for every chunk offset and writes back what it returns. */
function mapChunkOffsets(bytes: Uint8Array, table: Box, move: (offset: number) => number): void {
  need(bytes, table.body, 8, `${table.type} box`)
  const count = u32be(bytes, table.body + 4)
  const width = table.type === 'co64' ? 8 : 4
  if (count * width > table.end - table.body - 8) throw new FormatError(`the ${table.type} box claims ${count} offsets it does not hold`)
  for (let i = 0, at = table.body + 8; i < count; i++, at += width) {
    const old = width === 8 ? u32be(bytes, at) * 2 ** 32 + u32be(bytes, at + 4) : u32be(bytes, at)
    const moved = move(old)
    if (width === 4) {
      if (moved > 0xffffffff) throw new FormatError('a chunk offset would pass 4 GiB after labelling (stco); the file needs co64')
      putU32be(bytes, at, moved)
    } else {
      putU32be(bytes, at, Math.floor(moved / 2 ** 32))
      putU32be(bytes, at + 4, moved >>> 0)
    }
  }
}

/** The new moov: udta (and with it the label) rewritten, old labels elsewhere dropped, chunk offsets moved. */
function labelledMoov(moovBytes: Uint8Array, json: string, moovStart: number): Uint8Array {
  const moov: Box = mp4Boxes(moovBytes, 0, moovBytes.length, 'moov box')[0]!
  const parts: Uint8Array[] = []
  let udtaSeen = false
  for (const child of children(moovBytes, moov)) {
    if (child.type === 'moof' || child.type === 'mvex') throw new FormatError('fragmented MP4 (mvex/moof) is not supported: its fragments carry offsets of their own')
    if (child.type === 'udta') {
      parts.push(rewriteUdta(moovBytes, child, json))
      udtaSeen = true
    } else if (child.type === 'meta') {
      const meta = readMeta(moovBytes, child)
      if (metaLabels(moovBytes, meta, true).length > 0) parts.push(rewriteMeta(moovBytes, meta, undefined))
      else parts.push(moovBytes.subarray(child.start, child.end))
    } else {
      parts.push(moovBytes.subarray(child.start, child.end))
    }
  }
  if (!udtaSeen) parts.push(box('udta', newMeta(json)))
  const out = box(MOOV, ...parts)
  const growth = out.length - moovBytes.length
  if (growth !== 0) {
    const oldEnd = moovStart + moovBytes.length
    const top = mp4Boxes(out, 0, out.length, 'moov box')[0]!
    for (const table of chunkOffsetTables(out, top)) mapChunkOffsets(out, table, (offset) => (offset >= oldEnd ? offset + growth : offset))
  }
  return out
}

/**
 * What the content binding covers: every top-level box but `moov` (so all media data),
 * and moov's children but `udta` and a bare `meta`, with each chunk offset taken as if
 * moov had no length (a label write moves the media after moov by its growth).
 */
function moovContent(moovBytes: Uint8Array, moovStart: number): Uint8Array[] {
  const moov: Box = mp4Boxes(moovBytes, 0, moovBytes.length, 'moov box')[0]!
  const oldEnd = moovStart + moovBytes.length
  const parts: Uint8Array[] = []
  for (const child of children(moovBytes, moov)) {
    if (child.type === 'udta' || child.type === 'meta') continue
    if (child.type !== 'trak') {
      parts.push(moovBytes.subarray(child.start, child.end))
      continue
    }
    const copy = moovBytes.slice(child.start, child.end)
    const trak = { ...child, start: 0, body: child.body - child.start, end: copy.length }
    for (const table of chunkOffsetTables(copy, trak, ['mdia', 'minf', 'stbl'])) {
      mapChunkOffsets(copy, table, (offset) => (offset >= oldEnd ? offset - moovBytes.length : offset))
    }
    parts.push(copy)
  }
  return parts
}

function isoMedia(name: 'mp4' | 'mov' | 'm4a', mime: string, brand: (major: string) => boolean): CarrierFormat {
  return {
    name,
    mime,
    detect: (bytes) => bytes.length >= 12 && latin1(bytes, 4, 8) === 'ftyp' && brand(latin1(bytes, 8, 12)),

    read(bytes) {
      const { moov } = topLevel(bytes)
      const found: FoundLabel[] = []
      for (const { meta, bare } of moovMetas(bytes, moov)) {
        for (const { raw, variant } of metaLabels(bytes, meta, bare)) {
          const carrier = bare ? 'mp4:moov/meta:AIGC' : meta.handler === 'mdta' ? 'mp4:udta/meta:mdta:AIGC' : 'mp4:udta/meta:mdir:AIGC'
          found.push({ carrier, form: 'text', raw, ...(variant ? { variant } : {}) })
        }
      }
      return found
    },

    write(bytes, json) {
      const { boxes, moov } = topLevel(bytes)
      if (boxes.some((b) => b.type === 'moof')) throw new FormatError('fragmented MP4 (moof) is not supported: its fragments carry offsets of their own')
      const newMoov = labelledMoov(bytes.subarray(moov.start, moov.end), json, moov.start)
      return concat([bytes.subarray(0, moov.start), newMoov, bytes.subarray(moov.end)])
    },

    content(bytes) {
      const { boxes, moov } = topLevel(bytes)
      return boxes.flatMap((b) => (b === moov ? moovContent(bytes.subarray(moov.start, moov.end), moov.start) : [bytes.subarray(b.start, b.end)]))
    },
  }
}

const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P '])

export const mov = isoMedia('mov', 'video/quicktime', (major) => major === 'qt  ')
export const m4a = isoMedia('m4a', 'audio/mp4', (major) => AUDIO_BRANDS.has(major))
export const mp4 = isoMedia('mp4', 'video/mp4', (major) => major !== 'qt  ' && !AUDIO_BRANDS.has(major))
