/**
 * File downloads from the model API. Whether a file is generated content is read from its
 * metadata, fetched from the upstream before the download, never guessed from the bytes:
 * - OpenAI files: `purpose` assistants_output is a model's file, batch_output is batch
 *   results (labelled line by line), the purposes of client uploads pass unchanged;
 * - OpenAI container files: `source` "assistant" (code interpreter, skills) or "user";
 * - Anthropic Files API: only files a model made (skills, code execution) are `downloadable`.
 * A model's file is labelled by the labeller of its detected type (document or image); a
 * type the gateway cannot label, or metadata it does not know, is refused, never passed on.
 */
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { detectFormat, FormatError } from '../formats'
import { createLabel } from '../label/annex-e'
import { LimitError } from '../limits'
import { isRecord } from '../guards'
import { forwardToUpstream, incomingHeaders, type UpstreamDialect } from '../upstream/client'
import { readBody } from './body'
import { setC2paHeader, setLabelHeaders } from './delivery'
import { tenantSigning } from './tenant-signing'
import { labelTypedFile, mediaType, takesVisibleMark, typedFile } from './file-label'
import type { FileSource } from './route-table'
import { uploadError } from './images'
import { batchResults } from './stored'
import type { AppEnv } from './types'

/** What a file is, from its metadata. */
type FileOrigin = 'generated' | 'batch-results' | 'uploaded'

// Purposes of files a client uploads, and of provider-written metrics (fine-tune results), none generated content.
const UPLOADED_PURPOSES = new Set(['assistants', 'batch', 'fine-tune', 'fine-tune-results', 'vision', 'user_data', 'evals'])

/** The origin the metadata states, or a sentence saying why it does not state one the gateway knows. */
function fileOrigin(source: FileSource, dialect: UpstreamDialect, meta: Record<string, unknown>): FileOrigin | string {
  if (source === 'container-file') {
    if (meta.source === 'assistant') return 'generated'
    if (meta.source === 'user') return 'uploaded'
    return `a container file whose source is ${JSON.stringify(meta.source)}`
  }
  if (dialect === 'anthropic') {
    if (typeof meta.downloadable !== 'boolean') return 'Files API metadata without "downloadable"'
    return meta.downloadable ? 'generated' : 'uploaded'
  }
  if (meta.purpose === 'assistants_output') return 'generated'
  if (meta.purpose === 'batch_output') return 'batch-results'
  if (typeof meta.purpose === 'string' && UPLOADED_PURPOSES.has(meta.purpose)) return 'uploaded'
  return `a file whose purpose is ${JSON.stringify(meta.purpose)}`
}

const unlabellable = (route: string, what: string) =>
  new GatewayError(502, 'upstream_invalid_response', `${route}: the upstream answered with ${what}, which the gateway cannot label, so nothing was delivered`)

/** GET …/content: the metadata first (same path without /content), then the download, labelled as its origin says. */
export async function fileContent(c: Context<AppEnv>, dialect: UpstreamDialect, upstreamPath: string, route: string, source: FileSource): Promise<Response> {
  const resolved = c.get('tenant')
  const get = (path: string, headers = c.req.raw.headers) => forwardToUpstream(resolved, dialect, { method: 'GET', path, headers, body: null })
  const metadata = await get(upstreamPath.replace(/\/content$/, ''), wholeFileHeaders(c.req.raw.headers))
  if (!metadata.ok) return new Response(metadata.body, { status: metadata.status, headers: incomingHeaders(metadata.headers) })
  const meta: unknown = await metadata.json().catch(() => undefined)
  if (!isRecord(meta)) throw unlabellable(route, 'file metadata that is not a JSON object')
  const origin = fileOrigin(source, dialect, meta)
  if (origin !== 'generated' && origin !== 'batch-results' && origin !== 'uploaded') throw unlabellable(route, origin)

  // A client's own file may be read in ranges; a labelled one is whole, or a part would go out as if labelled.
  const upstream = await get(upstreamPath + new URL(c.req.url).search, origin === 'uploaded' ? c.req.raw.headers : wholeFileHeaders(c.req.raw.headers))
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok || origin === 'uploaded') return new Response(upstream.body, { status: upstream.status, headers })
  if (upstream.status !== 200) {
    await upstream.body?.cancel()
    throw unlabellable(route, `status ${upstream.status} to a request for the whole file`)
  }
  // These describe the upstream's bytes, not the labelled ones.
  for (const name of ['etag', 'content-range', 'accept-ranges', 'content-md5', 'digest', 'repr-digest']) headers.delete(name)
  if (origin === 'batch-results') return batchResults(c, upstream, route, 'openai-batch')
  return generatedFile(c, upstream, headers, route)
}

/** The client's headers without those that ask for part of a file or only a changed one: a labelled file goes out whole. */
function wholeFileHeaders(incoming: Headers): Headers {
  const headers = new Headers(incoming)
  for (const name of ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since']) headers.delete(name)
  return headers
}

async function generatedFile(c: Context<AppEnv>, upstream: Response, headers: Headers, route: string): Promise<Response> {
  const declared = mediaType(upstream.headers.get('content-type'))
  const bytes = await readBody(upstream, 'uploadBytes', `${route}: the generated file`).catch((error: unknown) => {
    if (error instanceof LimitError) throw new GatewayError(502, 'upstream_invalid_response', error.message, error.limit.name)
    throw error
  })
  let format
  try {
    format = detectFormat(bytes, declared)
  } catch (error) {
    if (error instanceof FormatError) throw unlabellable(route, `a generated file it cannot read (${error.message})`)
    throw error
  }
  if (!format) throw unlabellable(route, `a generated file of type "${declared || 'unknown'}"`)
  // Video and audio would need a visible mark the gateway cannot make yet (GB 45438 5.3, 5.4).
  if (!takesVisibleMark(format)) throw unlabellable(route, `a generated ${format.name.toUpperCase()} file, which needs a visible mark`)
  const { tenant } = c.get('tenant')
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const file = typedFile(bytes, format, upstream.headers.get('content-type') ?? '')
  const out = await labelTypedFile(file, label, tenant.labels, await tenantSigning(c, tenant, 'producer')).catch((error: unknown) => {
    // The model's file, not the client's: a file the gateway cannot read is the upstream's fault.
    if (error instanceof LimitError) throw new GatewayError(502, 'upstream_invalid_response', `${route}: ${error.message}`, error.limit.name)
    if (error instanceof FormatError) throw unlabellable(route, `a generated ${format.name.toUpperCase()} file it cannot read (${error.message})`)
    throw uploadError(error)
  })
  headers.set('content-type', file.type)
  setLabelHeaders(headers, [out.label], out.omission)
  if (format.mime.startsWith('image/')) setC2paHeader(headers, [out.c2pa])
  return new Response(out.bytes, { status: upstream.status, headers })
}
