/**
 * A small anti-aliased rasteriser for glyph outlines: signed-area accumulation (the
 * technique of font-rs). Each edge adds its exact coverage into an accumulation buffer;
 * a running sum over the buffer gives the coverage of every pixel. We need it because
 * photon's draw_text has no CJK glyphs and opentype.js only produces outlines.
 */

export type PathCommand =
  | { type: 'M' | 'L'; x: number; y: number }
  | { type: 'Q'; x1: number; y1: number; x: number; y: number }
  | { type: 'C'; x1: number; y1: number; x2: number; y2: number; x: number; y: number }
  | { type: 'Z' }

/** Coverage 0–255 of a path drawn into a width × height grid (path in pixel units). */
export function rasterize(commands: PathCommand[], width: number, height: number): Uint8Array {
  const acc = new Float32Array(width * height + 4)
  const line = (x0: number, y0: number, x1: number, y1: number) => addLine(acc, width, height, x0, y0, x1, y1)
  let startX = 0
  let startY = 0
  let x = 0
  let y = 0
  for (const c of commands) {
    switch (c.type) {
      case 'M':
        if (x !== startX || y !== startY) line(x, y, startX, startY)
        startX = x = c.x
        startY = y = c.y
        break
      case 'L':
        line(x, y, c.x, c.y)
        x = c.x
        y = c.y
        break
      case 'Q':
      case 'C':
        flatten(line, c.type === 'Q' ? [x, y, c.x1, c.y1, c.x, c.y] : [x, y, c.x1, c.y1, c.x2, c.y2, c.x, c.y])
        x = c.x
        y = c.y
        break
      case 'Z':
        line(x, y, startX, startY)
        x = startX
        y = startY
        break
    }
  }
  if (x !== startX || y !== startY) line(x, y, startX, startY)
  const out = new Uint8Array(width * height)
  let sum = 0
  for (let i = 0; i < out.length; i++) {
    sum += acc[i]!
    out[i] = Math.min(255, Math.round(Math.abs(sum) * 255))
  }
  return out
}

/** Draws a quadratic or cubic Bézier (control polygon `p`) as line segments. */
function flatten(line: (x0: number, y0: number, x1: number, y1: number) => void, p: number[]): void {
  const steps = curveSteps(p)
  let px = p[0]!
  let py = p[1]!
  for (let i = 1; i <= steps; i++) {
    const [nx, ny] = bezierPoint(p, i / steps)
    line(px, py, nx, ny)
    px = nx
    py = ny
  }
}

/** De Casteljau: repeated interpolation along the control polygon. */
function bezierPoint(p: number[], t: number): [number, number] {
  const q = p.slice()
  for (let n = q.length / 2 - 1; n > 0; n--) {
    for (let i = 0; i < n; i++) {
      q[2 * i] = q[2 * i]! + (q[2 * i + 2]! - q[2 * i]!) * t
      q[2 * i + 1] = q[2 * i + 1]! + (q[2 * i + 3]! - q[2 * i + 1]!) * t
    }
  }
  return [q[0]!, q[1]!]
}

/** Enough segments that a flattened curve stays within a fraction of a pixel. */
function curveSteps(points: number[]): number {
  let length = 0
  for (let i = 2; i < points.length; i += 2) length += Math.hypot(points[i]! - points[i - 2]!, points[i + 1]! - points[i - 1]!)
  return Math.max(2, Math.min(64, Math.ceil(Math.sqrt(length) * 1.5)))
}

function add(acc: Float32Array, i: number, v: number): void {
  acc[i] = acc[i]! + v
}

function addLine(acc: Float32Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number): void {
  if (y0 === y1) return
  let dir = 1
  if (y0 > y1) {
    dir = -1
    ;[x0, y0, x1, y1] = [x1, y1, x0, y0]
  }
  const dxdy = (x1 - x0) / (y1 - y0)
  let x = x0
  if (y0 < 0) {
    x -= y0 * dxdy
    y0 = 0
  }
  const endY = Math.min(height, Math.ceil(y1))
  for (let y = Math.max(0, Math.floor(y0)); y < endY; y++) {
    const rowStart = y * width
    const dy = Math.min(y + 1, y1) - Math.max(y, y0)
    const xNext = x + dxdy * dy
    const d = dy * dir
    const left = Math.max(0, Math.min(x, xNext))
    const right = Math.max(0, Math.max(x, xNext))
    const leftFloor = Math.floor(left)
    const li = leftFloor
    const rightCeil = Math.ceil(right)
    const ri = rightCeil
    if (ri <= li + 1) {
      const mid = 0.5 * (x + xNext) - leftFloor
      add(acc, rowStart + li, d - d * mid)
      add(acc, rowStart + li + 1, d * mid)
    } else {
      const s = 1 / (right - left)
      const lf = left - leftFloor
      const a0 = 0.5 * s * (1 - lf) * (1 - lf)
      const rf = right - rightCeil + 1
      const am = 0.5 * s * rf * rf
      add(acc, rowStart + li, d * a0)
      if (ri === li + 2) {
        add(acc, rowStart + li + 1, d * (1 - a0 - am))
      } else {
        const a1 = s * (1.5 - lf)
        add(acc, rowStart + li + 1, d * (a1 - a0))
        for (let xi = li + 2; xi < ri - 1; xi++) add(acc, rowStart + xi, d * s)
        const a2 = a1 + (ri - li - 3) * s
        add(acc, rowStart + ri - 1, d * (1 - a2 - am))
      }
      add(acc, rowStart + ri, d * am)
    }
    x = xNext
  }
}
