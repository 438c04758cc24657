// The font file itself, bundled as a Data module (see [[rules]] in wrangler.toml).
import notoSansSc from '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-700-normal.woff'

export const FONT_DATA: ArrayBuffer = notoSansSc
