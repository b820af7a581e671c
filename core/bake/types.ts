// Shared names, limits and result shapes for baking.

/** What the caller bakes: an Open Badges 3.0 credential or a CLR 2.0 credential. */
export type BakeKind = 'ob' | 'clr';

/** What was found in an image. 'ob2' means an Open Badges 2.0 badge (keyword/namespace `openbadges`). */
export type BakedKind = 'ob3' | 'clr2' | 'ob2';

/** Shape of the baked text: a JSON object, a compact JWS, a URL (OB 2.0 hosted), or something else. */
export type PayloadFormat = 'json' | 'jwt' | 'url' | 'unknown';

export interface UnbakeResult {
  kind: BakedKind;
  /** PNG: the chunk keyword. SVG: the element's qualified name as written (e.g. `openbadges:credential`). */
  keyword: string;
  /** The baked text: a credential JSON, a compact JWS, or (OB 2.0) a URL. */
  text: string;
  format: PayloadFormat;
  container: 'png' | 'svg';
  /** SVG only: the element's content when `verify` was used for `text` (OB 2.0 hosted: the assertion JSON beside its URL). */
  content?: string;
}

export interface BakeOptions {
  kind: BakeKind;
  /** Refuse inputs larger than this (bytes). Default 20 MB. */
  maxBytes?: number;
}

export interface UnbakeOptions {
  /** Refuse inputs larger than this (bytes). Default 20 MB. */
  maxBytes?: number;
}

export const MB = 1024 * 1024;
export const DEFAULT_MAX_BYTES = 20 * MB;
export const DEFAULT_IMAGE_MAX_BYTES = 2 * MB;
export const DEFAULT_MAX_PIXELS = 4096 * 4096;
/** A PNG with more chunks than this is not a badge image; the cap keeps hostile files cheap. */
export const MAX_PNG_CHUNKS = 100_000;
/** Element nesting deeper than this is refused (our tree walkers recurse). */
export const MAX_XML_DEPTH = 256;

export const PNG_KEYWORD = { ob: 'openbadgecredential', clr: 'clrcredential' } as const;
export const OB2_PNG_KEYWORD = 'openbadges';

export const NS = {
  svg: 'http://www.w3.org/2000/svg',
  xlink: 'http://www.w3.org/1999/xlink',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  ob3: 'https://purl.imsglobal.org/ob/v3p0',
  clr2: 'https://purl.imsglobal.org/clr/v2p0',
  ob2: 'http://openbadges.org',
} as const;

/** SVG prefix, namespace and local name used when baking each kind. */
export const SVG_ELEMENT = {
  ob: { prefix: 'openbadges', uri: NS.ob3, local: 'credential' },
  clr: { prefix: 'clr', uri: NS.clr2, local: 'credential' },
} as const;

export function formatBytes(n: number): string {
  if (n >= MB) return `${(n / MB).toFixed(n % MB === 0 ? 0 : 1)} MB (${n} bytes)`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB (${n} bytes)`;
  return `${n} bytes`;
}
