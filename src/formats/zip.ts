/**
 * ZIP archives (APPNOTE 6.3), bytes only: the central directory read with every offset and
 * size checked against the file and the budgets, entries inflated no further than they
 * declare, and a rewrite that replaces, adds or removes named entries.
 *
 * The rewrite is ours because fflate's zip writer cannot copy an entry without inflating and
 * compressing it again: every untouched entry here keeps its local header, data and data
 * descriptor byte for byte (same CRC, same sizes), and only its central record's offset moves.
 *
 * Refused: ZIP64, multi-disk and encrypted archives, methods other than stored and deflate,
 * entries whose local header disagrees with the central directory (two readers would see two
 * files), overlapping entries, and bytes after the end record.
 */
import { deflateSync } from 'fflate'
import { checkLimit, LIMITS, LimitError } from '../limits'
import { concat, crc32, crc32Update, FormatError, fromUtf8, inflateChunks, need, putU32le, u16le, u32le, utf8 } from './bytes'

export interface ZipEntry {
  name: string
  /** The central directory record, copied as it is (its local header offset patched) when the entry is kept. */
  record: Uint8Array
  method: typeof STORED | typeof DEFLATE
  crc: number
  compressedSize: number
  size: number
  /** Local header, data and data descriptor span [start, end); the data starts at `dataStart`. */
  start: number
  dataStart: number
  end: number
}

export interface Zip {
  /** In central directory order. */
  entries: ZipEntry[]
  /** Keyed by `partKey(name)`: OPC part names compare case-insensitively (ECMA-376 Part 2, 9.1.1.1). */
  byName: Map<string, ZipEntry>
  comment: Uint8Array
}

const LOCAL = 0x04034b50
const CENTRAL = 0x02014b50
const END = 0x06054b50
const DESCRIPTOR = 0x08074b50
const ZIP64_LOCATOR = 0x07064b50
const STORED = 0
const DEFLATE = 8
const ENCRYPTED = 0x1
const HAS_DESCRIPTOR = 0x8
const UTF8_NAME = 0x800
const END_SIZE = 22
const CENTRAL_SIZE = 46
const LOCAL_SIZE = 30
/** DOS date 1980-01-01, time 00:00: entries we write carry no clock. */
const DOS_EPOCH_DATE = 0x21
const VERSION = 20

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]

/** A name as `Zip.byName` keys it: ASCII letters folded, as OPC compares part names (ECMA-376 Part 2, 9.1.1.1). */
export const partKey = (name: string) => name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())

/** The entry named `name`, whatever the case of its letters. */
export const findEntry = (zip: Zip, name: string) => zip.byName.get(partKey(name))

/** The end of central directory record: the last one, whose comment reaches the end of the file. */
function endRecord(bytes: Uint8Array): number {
  const last = bytes.length - END_SIZE
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (u32le(bytes, at) === END && at + END_SIZE + u16le(bytes, at + 20) === bytes.length) return at
  }
  throw new FormatError('a truncated or corrupt ZIP archive: no end of central directory record at its end')
}

const zip64 = () => new FormatError('ZIP64 archives are not supported (a document package over 4 GiB or 65535 entries)')

export function readZip(bytes: Uint8Array): Zip {
  const end = endRecord(bytes)
  if (end >= 20 && u32le(bytes, end - 20) === ZIP64_LOCATOR) throw zip64()
  const count = u16le(bytes, end + 10)
  const directorySize = u32le(bytes, end + 12)
  const directoryStart = u32le(bytes, end + 16)
  if (count === 0xffff || directorySize === 0xffffffff || directoryStart === 0xffffffff) throw zip64()
  if (u16le(bytes, end + 4) !== 0 || u16le(bytes, end + 6) !== 0 || u16le(bytes, end + 8) !== count) throw new FormatError('multi-disk ZIP archives are not supported')
  checkLimit('zipEntries', count, 'the entries of the ZIP archive')
  const directoryEnd = directoryStart + directorySize
  if (directoryEnd > end) throw new FormatError('the ZIP central directory runs past its end record')

  const entries: ZipEntry[] = []
  const byName = new Map<string, ZipEntry>()
  let declared = 0
  for (let at = directoryStart, i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > directoryEnd || u32le(bytes, at) !== CENTRAL) throw new FormatError(`truncated or corrupt ZIP central directory at entry ${i}`)
    const nameLength = u16le(bytes, at + 28)
    const recordEnd = at + CENTRAL_SIZE + nameLength + u16le(bytes, at + 30) + u16le(bytes, at + 32)
    if (recordEnd > directoryEnd) throw new FormatError(`the ZIP central directory record ${i} runs past the directory`)
    const entry = centralEntry(bytes, bytes.subarray(at, recordEnd), directoryStart)
    // Two names one part name: readers that fold case would see one part, others two.
    const twin = byName.get(partKey(entry.name))
    if (twin) throw new FormatError(twin.name === entry.name ? `the ZIP archive holds ${entry.name} twice` : `the ZIP archive holds ${twin.name} and ${entry.name}, one part name in two cases`)
    declared += entry.size
    checkLimit('zipInflatedBytes', declared, 'the inflated size the ZIP central directory declares')
    entries.push(entry)
    byName.set(partKey(entry.name), entry)
    at = recordEnd
  }
  const physical = [...entries].sort((a, b) => a.start - b.start)
  for (const [i, entry] of physical.entries()) {
    const next = physical[i + 1]?.start ?? directoryStart
    if (entry.end > next) throw new FormatError(`the ZIP entry ${entry.name} overlaps ${physical[i + 1]?.name ?? 'the central directory'}`)
  }
  return { entries, byName, comment: bytes.subarray(end + END_SIZE) }
}

/** One central record, checked against its local header; `limit` is where entries must end. */
function centralEntry(bytes: Uint8Array, record: Uint8Array, limit: number): ZipEntry {
  const flags = u16le(record, 8)
  const method = u16le(record, 10)
  const crc = u32le(record, 16)
  const compressedSize = u32le(record, 20)
  const size = u32le(record, 24)
  const nameBytes = record.subarray(CENTRAL_SIZE, CENTRAL_SIZE + u16le(record, 28))
  // OOXML part names are ASCII; UTF-8 is the flag's meaning and what other writers use unflagged.
  const name = fromUtf8(nameBytes)
  const start = u32le(record, 42)
  if (compressedSize === 0xffffffff || size === 0xffffffff || start === 0xffffffff) throw zip64()
  if (flags & ENCRYPTED) throw new FormatError(`the ZIP entry ${name} is encrypted`)
  if (method !== STORED && method !== DEFLATE) throw new FormatError(`the ZIP entry ${name} uses compression method ${method}; only stored and deflate are supported`)
  if (method === STORED && size !== compressedSize) throw new FormatError(`the stored ZIP entry ${name} declares ${size} bytes in ${compressedSize}`)
  if (method === DEFLATE) checkLimit('zipInflateRatio', size / Math.max(compressedSize, 1), `the inflate ratio the ZIP entry ${name} declares`)

  if (start + LOCAL_SIZE > limit || u32le(bytes, start) !== LOCAL) throw new FormatError(`the ZIP entry ${name} has no local header at offset ${start}`)
  const localName = bytes.subarray(start + LOCAL_SIZE, start + LOCAL_SIZE + u16le(bytes, start + 26))
  if (!sameBytes(localName, nameBytes)) throw new FormatError(`the ZIP entry ${name}'s local header names another file`)
  if (u16le(bytes, start + 8) !== method) throw new FormatError(`the ZIP entry ${name}'s local header names another compression method`)
  const dataStart = start + LOCAL_SIZE + localName.length + u16le(bytes, start + 28)
  let end = dataStart + compressedSize
  if (end > limit) throw new FormatError(`the ZIP entry ${name}'s data runs past the central directory`)
  if (flags & HAS_DESCRIPTOR) {
    // The descriptor's signature is optional (APPNOTE 4.3.9.3): its CRC says which layout it is.
    const signed = end + 16 <= limit && u32le(bytes, end) === DESCRIPTOR && u32le(bytes, end + 4) === crc
    need(bytes.subarray(0, limit), end, signed ? 16 : 12, `data descriptor of the ZIP entry ${name}`)
    const fields = signed ? end + 4 : end
    if (u32le(bytes, fields) !== crc || u32le(bytes, fields + 4) !== compressedSize || u32le(bytes, fields + 8) !== size) {
      throw new FormatError(`the ZIP entry ${name}'s data descriptor disagrees with the central directory`)
    }
    end = fields + 12
  } else if (u32le(bytes, start + 14) !== crc || u32le(bytes, start + 18) !== compressedSize || u32le(bytes, start + 22) !== size) {
    throw new FormatError(`the ZIP entry ${name}'s local header disagrees with the central directory`)
  }
  return { name, record, method, crc, compressedSize, size, start, dataStart, end }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * The entry's uncompressed bytes, checked against its size and CRC. Inflation stops just
 * past the declared size, which the directory's totals were budgeted on: a part that lies
 * about its size is stopped there, however much it would inflate to.
 */
export function entryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  return concat([...entryChunks(bytes, entry)])
}

/**
 * An entry's data as it inflates, never more than the size its directory declares (which
 * the budget counted); its size and CRC are checked after the last chunk, so a reader that
 * keeps nothing (the content hash) still fails on a corrupt entry.
 */
export function* entryChunks(bytes: Uint8Array, entry: ZipEntry): Generator<Uint8Array> {
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize)
  const tooLarge = () => new LimitError(LIMITS.zipInflatedBytes, `the ZIP entry ${entry.name} inflates past the ${entry.size} bytes its directory declares (and the budget counted)`)
  const chunks = entry.method === STORED ? [data] : inflateChunks(data, entry.size, `ZIP entry ${entry.name}`, tooLarge, 'raw')
  let size = 0
  let crc = 0
  for (const chunk of chunks) {
    size += chunk.length
    crc = crc32Update(crc, chunk)
    yield chunk
  }
  if (size !== entry.size) throw new FormatError(`the ZIP entry ${entry.name} inflates to ${size} bytes, not the ${entry.size} it declares`)
  if (crc !== entry.crc) throw new FormatError(`the ZIP entry ${entry.name} fails its CRC check`)
}

/** A new entry's local header + data and its central record (local header offset 0, patched when placed). */
function newEntry(name: string, data: Uint8Array): { local: Uint8Array[]; record: Uint8Array } {
  const nameBytes = utf8.encode(name)
  const deflated = deflateSync(data)
  const method = deflated.length < data.length ? DEFLATE : STORED
  const body = method === DEFLATE ? deflated : data
  const flags = nameBytes.length !== name.length ? UTF8_NAME : 0
  const crc = crc32(data)
  // The fields a local header shares with the central record, from "version needed" on.
  const shared = (view: DataView, at: number) => {
    view.setUint16(at, VERSION, true)
    view.setUint16(at + 2, flags, true)
    view.setUint16(at + 4, method, true)
    view.setUint16(at + 8, DOS_EPOCH_DATE, true)
    view.setUint32(at + 10, crc, true)
    view.setUint32(at + 14, body.length, true)
    view.setUint32(at + 18, data.length, true)
    view.setUint16(at + 22, nameBytes.length, true)
  }
  const local = new Uint8Array(LOCAL_SIZE + nameBytes.length)
  const localView = new DataView(local.buffer)
  localView.setUint32(0, LOCAL, true)
  shared(localView, 4)
  local.set(nameBytes, LOCAL_SIZE)
  const record = new Uint8Array(CENTRAL_SIZE + nameBytes.length)
  const recordView = new DataView(record.buffer)
  recordView.setUint32(0, CENTRAL, true)
  recordView.setUint16(4, VERSION, true)
  shared(recordView, 6)
  record.set(nameBytes, CENTRAL_SIZE)
  return { local: [local, body], record }
}

/**
 * The archive with `changes` applied: a name mapped to bytes is written (in its old place,
 * under its old name whatever the case `changes` spells it in, or after the other entries when
 * new), a name mapped to undefined is removed. Every other entry is copied byte for byte, in
 * central directory order; with no changes, `bytes` is the answer.
 */
export function rewriteZip(bytes: Uint8Array, zip: Zip, changes: ReadonlyMap<string, Uint8Array | undefined>): Uint8Array {
  if (!changes.size) return bytes
  const byKey = new Map([...changes].map(([name, data]) => [partKey(name), data]))
  const out: Uint8Array[] = []
  const records: Uint8Array[] = []
  let offset = 0
  const place = (local: Uint8Array[], record: Uint8Array) => {
    putU32le(record, 42, offset)
    for (const part of local) offset += part.length
    out.push(...local)
    records.push(record)
  }
  for (const entry of zip.entries) {
    const key = partKey(entry.name)
    if (!byKey.has(key)) place([bytes.subarray(entry.start, entry.end)], entry.record.slice())
    else {
      const data = byKey.get(key)
      if (data) {
        const written = newEntry(entry.name, data)
        place(written.local, written.record)
      }
    }
  }
  for (const [name, data] of changes) {
    if (!data || findEntry(zip, name)) continue
    const written = newEntry(name, data)
    place(written.local, written.record)
  }
  const directory = concat(records)
  if (offset + directory.length > 0xffffffff || records.length >= 0xffff) throw zip64()
  const end = new Uint8Array(END_SIZE)
  const view = new DataView(end.buffer)
  view.setUint32(0, END, true)
  view.setUint16(8, records.length, true)
  view.setUint16(10, records.length, true)
  view.setUint32(12, directory.length, true)
  view.setUint32(16, offset, true)
  view.setUint16(20, zip.comment.length, true)
  return concat([...out, directory, end, zip.comment])
}
