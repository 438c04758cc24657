/** The labels (and signs) of an XMP packet as a carrier format reports them. */
import { readXmpLabels, XmpError } from '../label/xmp'
import { FormatError } from './bytes'
import type { FoundLabel } from './types'

export function xmpFound(carrier: string, packet: string): FoundLabel[] {
  try {
    return readXmpLabels(packet).map(({ value, form, variant, sign }) => ({ carrier, form, raw: value, ...(variant ? { variant } : {}), ...(sign ? { sign } : {}) }))
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`${carrier}: ${error.message}`)
    throw error
  }
}
