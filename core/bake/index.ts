// Baking: carry a signed credential inside a PNG (iTXt chunk) or SVG (namespaced element), and
// read it back out. Plus intake checks and sanitising for badge images. All offline, no pixels
// decoded, every hostile input answered with a LaurelError('INVALID_INPUT', …).
export { bakePng, unbakePng } from './png.ts';
export { bakeSvg, unbakeSvg } from './svg.ts';
export { unbake } from './unbake.ts';
export { checkBadgeImage, type BadgeImageInfo, type CheckBadgeImageOptions } from './image.ts';
export { sanitizeSvg, type SanitizeSvgOptions, type SanitizeSvgResult } from './sanitize-svg.ts';
export { detectFormat } from './payload.ts';
export {
  DEFAULT_IMAGE_MAX_BYTES,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  NS as BAKE_NAMESPACES,
  PNG_KEYWORD,
  type BakeKind,
  type BakeOptions,
  type BakedKind,
  type PayloadFormat,
  type UnbakeOptions,
  type UnbakeResult,
} from './types.ts';
