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
  const rows = [[0, 0, 65535], ...[...offsets, xref].map((o) => [1, o, 0])]
  const ownData = Uint8Array.from(rows.flatMap(([type, field, gen]) => [type!, field! >>> 24, (field! >>> 16) & 255, (field! >>> 8) & 255, field! & 255, gen! >> 8, gen! & 255]))
  const data = xrefStream.data ?? ownData
  const dict = xrefStream.dict ?? '/W [1 4 2]'
  const head = encode(`${size - 1} 0 obj\n<< /Type /XRef ${trailer} ${dict} /Length ${data.length} >>\nstream\n`)
  const tail = encode(`\nendstream\nendobj\nstartxref\n${xref}\n%%EOF\n`)
  const file = new Uint8Array(out.length + head.length + data.length + tail.length)
  for (const [at, part] of [[0, encode(out)], [out.length, head], [out.length + head.length, data], [file.length - tail.length, tail]] as const) file.set(part, at)
  return file
}

/** Bytes as Latin-1 text, for tests that look for PDF syntax in a file. */
export const pdfText = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('')
export const pdfBytes = encode
