/**
 * Small PDFs written by hand for the PDF carrier's tests (Node and workerd): one page of
 * Helvetica text, a cross-reference section with computed offsets (a classic table, or an
 * uncompressed cross-reference stream that a test may replace to make it hostile), and an
 * Info dictionary when `info` is given (values as PDF syntax, e.g. `(Title)`).
 */
const encode = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

export interface PdfSpec {
  /** Info entries as written: `{ Title: '(A title)' }`. */
  info?: Record<string, string>
  text?: string
  /** A cross-reference stream instead of a table; `dict` and `data` replace its own. */
  xrefStream?: { dict?: string; data?: Uint8Array }
}

export function minimalPdf({ info, text = 'Hello PDF', xrefStream }: PdfSpec = {}): Uint8Array {
  const content = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    ...(info ? [`<< ${Object.entries(info).map(([key, value]) => `/${key} ${value}`).join(' ')} >>`] : []),
  ]
  let out = `%PDF-1.${xrefStream ? 5 : 4}\n%\xe2\xe3\xcf\xd3\n`
  const offsets: number[] = []
  for (const [i, body] of objects.entries()) {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  }
  const xref = out.length
  const id = '<0123456789abcdef0123456789abcdef>'
  const size = objects.length + (xrefStream ? 2 : 1)
  const trailer = `/Size ${size} /Root 1 0 R${info ? ` /Info ${objects.length} 0 R` : ''} /ID [${id} ${id}]`
  if (!xrefStream) {
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
    out += `trailer\n<< ${trailer} >>\nstartxref\n${xref}\n%%EOF\n`
    return encode(out)
  }
  // Rows of /W [1 4 2]: the free head, every object, then the stream itself.
  const ownData = xrefRows([[0, 0, 65535], ...[...offsets, xref].map((o): XrefRow => [1, o, 0])])
  const data = xrefStream.data ?? ownData
  const dict = xrefStream.dict ?? '/W [1 4 2]'
  const head = encode(`${size - 1} 0 obj\n<< /Type /XRef ${trailer} ${dict} /Length ${data.length} >>\nstream\n`)
  const tail = encode(`\nendstream\nendobj\nstartxref\n${xref}\n%%EOF\n`)
  const file = new Uint8Array(out.length + head.length + data.length + tail.length)
  for (const [at, part] of [[0, encode(out)], [out.length, head], [out.length + head.length, data], [file.length - tail.length, tail]] as const) file.set(part, at)
  return file
}

/** A cross-reference stream row: type, then the two fields (offset and generation, or object stream and index). */
type XrefRow = [number, number, number]

/** Rows of `/W [1 4 2]`. */
const xrefRows = (rows: XrefRow[]) => Uint8Array.from(rows.flatMap(([type, field, gen]) => [type, field >>> 24, (field >>> 16) & 255, (field >>> 8) & 255, field & 255, gen >> 8, gen & 255]))

/** An object the cross-reference places at `index` of object stream `stream` (§7.5.7). */
export interface InObjectStream {
  stream: number
  index: number
}

/**
 * A PDF 1.5 of `objects`, numbered from 1: a string is written as `n 0 obj … endobj` (Latin-1,
 * so it may hold deflated bytes), an `InObjectStream` is only named by the cross-reference
 * stream written after them, whose dictionary holds `trailer` (e.g. `/Root 1 0 R`).
 */
export function xrefStreamPdf(objects: (string | InObjectStream)[], trailer: string): Uint8Array {
  let out = '%PDF-1.5\n'
  const rows: XrefRow[] = [[0, 0, 65535]]
  for (const [i, object] of objects.entries()) {
    if (typeof object !== 'string') rows.push([2, object.stream, object.index])
    else {
      rows.push([1, out.length, 0])
      out += `${i + 1} 0 obj\n${object}\nendobj\n`
    }
  }
  const xref = out.length
  rows.push([1, xref, 0])
  const data = pdfText(xrefRows(rows))
  out += `${rows.length - 1} 0 obj\n<< /Type /XRef /Size ${rows.length} /W [1 4 2] ${trailer} /Length ${data.length} >>\nstream\n${data}\nendstream\nendobj\n`
  return encode(`${out}startxref\n${xref}\n%%EOF\n`)
}

/**
 * An object stream holding `objects` (`[num, value]`), its `/Length` written as `length` says
 * (a reference, say) or direct; `deflate` (Node's deflateSync) compresses it with /FlateDecode.
 */
export function objectStream(objects: [number, string][], { length, deflate }: { length?: string; deflate?: (data: Uint8Array) => Uint8Array } = {}): { body: string; length: number } {
  let values = ''
  const header: string[] = []
  for (const [num, value] of objects) {
    header.push(`${num} ${values.length}`)
    values += `${value}\n`
  }
  const head = `${header.join(' ')}\n`
  const data = deflate ? pdfText(deflate(encode(head + values))) : head + values
  const dict = `/Type /ObjStm /N ${objects.length} /First ${head.length}${deflate ? ' /Filter /FlateDecode' : ''} /Length ${length ?? data.length}`
  return { body: `<< ${dict} >>\nstream\n${data}\nendstream`, length: data.length }
}

/** Bytes as Latin-1 text, for tests that look for PDF syntax in a file. */
export const pdfText = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('')
export const pdfBytes = encode
