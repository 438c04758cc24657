/**
 * Small PDFs written by hand for the PDF carrier's tests (Node and workerd): one page of
 * Helvetica text, a classic cross-reference table with computed offsets, and an Info
 * dictionary when `info` is given (values as PDF syntax, e.g. `(Title)`).
 */
const encode = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

export interface PdfSpec {
  /** Info entries as written: `{ Title: '(A title)' }`. */
  info?: Record<string, string>
  text?: string
}

export function minimalPdf({ info, text = 'Hello PDF' }: PdfSpec = {}): Uint8Array {
  const content = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    ...(info ? [`<< ${Object.entries(info).map(([key, value]) => `/${key} ${value}`).join(' ')} >>`] : []),
  ]
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'
  const offsets: number[] = []
  for (const [i, body] of objects.entries()) {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  }
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  const id = '<0123456789abcdef0123456789abcdef>'
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${info ? ` /Info ${objects.length} 0 R` : ''} /ID [${id} ${id}] >>\nstartxref\n${xref}\n%%EOF\n`
  return encode(out)
}

/** Bytes as Latin-1 text, for tests that look for PDF syntax in a file. */
export const pdfText = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('')
export const pdfBytes = encode
