// The part of opentype.js 2.0 the image mark uses (the package ships no types).
declare module 'opentype.js' {
  interface BoundingBox {
    x1: number
    y1: number
    x2: number
    y2: number
  }
  interface Glyph {
    index: number
    getBoundingBox(): BoundingBox
  }
  interface Path {
    commands: unknown[]
    getBoundingBox(): BoundingBox
  }
  interface Font {
    unitsPerEm: number
    charToGlyph(char: string): Glyph
    getPath(text: string, x: number, y: number, fontSize: number, options?: { kerning?: boolean }): Path
  }
  const opentype: { parse(data: ArrayBuffer): Font }
  export default opentype
}
