/** The `c2pa` section of /v1/aigc/detect: the file's Content Credentials, read and validated (src/c2pa/read.ts). */
import type { X509Certificate } from '@peculiar/x509'
import type { CarrierFormat } from '../formats/types'
import { readManifestStore, type C2paSummary } from '../c2pa/read'

export type C2paReport = { present: false } | ({ present: true } & C2paSummary)

/** Undefined for formats that carry no C2PA. */
export async function c2paReport(bytes: Uint8Array, format: CarrierFormat, trustAnchors: X509Certificate[] = []): Promise<C2paReport | undefined> {
  if (!format.c2pa) return undefined
  const read = await readManifestStore(bytes, format, trustAnchors)
  return read ? { present: true, ...read.summary } : { present: false }
}
