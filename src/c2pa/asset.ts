/**
 * The C2PA library's view of a file, over the gateway's own parsed container: the carrier
 * module (src/formats: PNG `caBX`, JPEG APP11, WebP `C2PA`) says where the store is and makes
 * room for a new one, so the library never parses the container or copies the file again.
 */
import type { Asset } from '@trustnxt/c2pa-ts/asset'
import { FormatError } from '../formats/bytes'
import type { C2paCarrier, CarrierFormat, FoundManifestStore, ReservedManifestStore } from '../formats/types'

/** A format that carries C2PA. */
export type C2paFormat = CarrierFormat & { c2pa: C2paCarrier }
export const carriesC2pa = (format: CarrierFormat): format is C2paFormat => format.c2pa !== undefined

export class CarrierAsset implements Asset {
  readonly mimeType: string
  private readonly carrier: C2paCarrier
  private readonly found: FoundManifestStore | undefined
  private reserved: ReservedManifestStore | undefined

  constructor(
    private data: Uint8Array,
    format: C2paFormat,
  ) {
    this.mimeType = format.mime
    this.carrier = format.c2pa
    this.found = format.c2pa.find(data)
  }

  getDataLength(): number {
    return this.data.length
  }

  getDataRange(start = 0, length = this.data.length - start): Promise<Uint8Array> {
    return Promise.resolve(this.data.subarray(start, start + length))
  }

  getManifestJUMBF(): Uint8Array | undefined {
    return this.found?.jumbf
  }

  dumpInfo(): string {
    return `${this.mimeType}, ${this.data.length} bytes`
  }

  async ensureManifestSpace(length: number): Promise<void> {
    if (this.found || this.reserved) throw new FormatError('the file already has a manifest store')
    this.reserved = this.carrier.reserve(this.data, length)
    this.data = this.reserved.file
  }

  getHashExclusionRange(): { start: number; length: number } {
    const carrier = this.reserved ?? this.found
    if (!carrier) throw new FormatError('the file has no manifest store')
    return { start: carrier.start, length: carrier.length }
  }

  async writeManifestJUMBF(jumbf: Uint8Array): Promise<void> {
    if (!this.reserved) throw new FormatError('no room was made for the manifest store')
    this.reserved.fill(jumbf)
  }

  /** The file as it is now (with the store written, after `writeManifestJUMBF`). */
  get bytes(): Uint8Array {
    return this.data
  }
}
