// SVG baking: one credential element directly after the root start tag, inserted by string
// surgery at positions the XML parser reported, so the rest of the document stays byte for byte.
import { LaurelError } from '../util/errors.ts';
import { checkBakePayload, detectFormat } from './payload.ts';
import {
  DEFAULT_MAX_BYTES,
  NS,
  SVG_ELEMENT,
  type BakeOptions,
  type BakedKind,
  type UnbakeOptions,
  type UnbakeResult,
} from './types.ts';
import {
  escapeAttr,
  parseXml,
  requireSvgRoot,
  tokenizeStartTag,
  xmlInvalidCharAt,
  type XDoc,
  type XElement,
} from './xml.ts';

const invalid = (message: string): LaurelError => new LaurelError('INVALID_INPUT', message);

const CREDENTIAL_NAMESPACES: ReadonlySet<string> = new Set([NS.ob3, NS.clr2, NS.ob2]);

function credentialKind(el: XElement): BakedKind | undefined {
  if (el.local === 'credential' && el.uri === NS.ob3) return 'ob3';
  if (el.local === 'credential' && el.uri === NS.clr2) return 'clr2';
  if (el.local === 'assertion' && el.uri === NS.ob2) return 'ob2';
  return undefined;
}

/** Credential elements in document order, outermost only (we don't look inside one). */
function findCredentialElements(root: XElement): XElement[] {
  const found: XElement[] = [];
  const walk = (el: XElement): void => {
    for (const child of el.children) {
      if (child.type !== 'element') continue;
      if (credentialKind(child)) found.push(child);
      else walk(child);
    }
  };
  walk(root);
  return found;
}

function contentOf(el: XElement): string {
  let s = '';
  for (const c of el.children) if (c.type === 'text' || c.type === 'cdata') s += c.text;
  return s;
}

function verifyOf(el: XElement): string | undefined {
  return el.attrs.find((a) => a.local === 'verify' && a.uri === '')?.value;
}

function readCredential(doc: XDoc): UnbakeResult {
  requireSvgRoot(doc);
  const all = findCredentialElements(doc.root);
  // OB 3.0 / CLR 2.0 first (the first such element, as the spec says); OB 2.0 only if neither.
  const el = all.find((e) => credentialKind(e) !== 'ob2') ?? all[0];
  if (!el) {
    throw new LaurelError('NOT_FOUND', 'no baked credential in this SVG (no credential element in the OB 3.0 or CLR 2.0 namespace)');
  }
  const kind = credentialKind(el)!;
  // A JWT (or an OB 2.0 URL/JWS) sits in `verify`; otherwise the JSON is the element's content.
  const verify = verifyOf(el)?.trim();
  const content = contentOf(el).trim();
  const text = verify ? verify : content;
  if (text === '') throw invalid(`the <${el.name}> element is empty: no verify attribute and no content`);
  // OB 2.0 hosted baking may carry the assertion JSON as content beside its address in `verify`.
  return { kind, keyword: el.name, text, format: detectFormat(text), container: 'svg', ...(verify && content ? { content } : {}) };
}

/** Read the baked credential from SVG text. */
export function unbakeSvg(svgText: string, options: UnbakeOptions = {}): UnbakeResult {
  return readCredential(parseXml(svgText, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES }));
}

/** CDATA can't contain `]]>`: end the section between `]]` and `>` and start a new one. */
export function cdata(text: string): string {
  return `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(source: string, edits: Edit[]): string {
  // Sort by start, then zero-width insertions before removals at the same place.
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) throw new Error('svg: overlapping edits');
    out += source.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + source.slice(cursor);
}

/** Whether prefix `prefix` bound to `uri` is used by an element or attribute outside `skip`. */
function prefixUsed(root: XElement, prefix: string, uri: string, skip: ReadonlySet<XElement>): boolean {
  const walk = (el: XElement): boolean => {
    if (skip.has(el)) return false;
    if (el.prefix === prefix && el.uri === uri) return true;
    if (el.attrs.some((a) => a.prefix === prefix && a.uri === uri)) return true;
    return el.children.some((c) => c.type === 'element' && walk(c));
  };
  return walk(root);
}

/**
 * Bake a credential into an SVG. Declares the namespace on the root `<svg>` (`xmlns:openbadges`
 * or `xmlns:clr`) and puts one credential element directly after the root start tag: a JWT in
 * `verify` with empty content, or the JSON in CDATA. Existing credential elements (OB 3.0, CLR
 * 2.0, OB 2.0) are removed, as are root declarations of those namespaces nothing uses any more.
 * Sanitise untrusted SVG (sanitizeSvg) before baking: this keeps everything else as it is.
 */
export function bakeSvg(svgText: string, payload: string, options: BakeOptions): string {
  const { kind, format } = checkBakePayload(payload, options?.kind);
  const bad = xmlInvalidCharAt(payload);
  if (bad >= 0) {
    throw invalid(`the credential text has a character XML can't carry (U+${payload.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0')} at offset ${bad})`);
  }
  const doc = parseXml(svgText, { maxBytes: options?.maxBytes ?? DEFAULT_MAX_BYTES });
  const root = requireSvgRoot(doc);
  const { prefix, uri, local } = SVG_ELEMENT[kind];
  const src = doc.source;
  const removed = new Set(findCredentialElements(root));
  const edits: Edit[] = [...removed].map((el) => ({ start: el.start, end: el.end, text: '' }));

  // Namespace declarations on the root start tag.
  const tag = tokenizeStartTag(src, root);
  const declValue = (name: string) => root.attrs.find((a) => a.name === name)?.value;
  let haveDecl = false;
  for (const tok of tag.attrs) {
    if (!tok.name.startsWith('xmlns:')) continue;
    const p = tok.name.slice('xmlns:'.length);
    const value = declValue(tok.name) ?? '';
    if (p === prefix) {
      if (value === uri) {
        haveDecl = true;
        continue;
      }
      if (prefixUsed(root, p, value, removed)) {
        throw invalid(`this SVG already uses the prefix '${p}' for ${value}; can't declare ${uri} with it on the root element`);
      }
      edits.push({ start: tok.valueStart, end: tok.valueEnd, text: escapeAttr(uri) });
      haveDecl = true;
    } else if (CREDENTIAL_NAMESPACES.has(value) && !prefixUsed(root, p, value, removed)) {
      edits.push({ start: tok.wsStart, end: tok.end, text: '' });
    }
  }
  if (!haveDecl) edits.push({ start: tag.appendAt, end: tag.appendAt, text: ` xmlns:${prefix}="${uri}"` });

  const qname = `${prefix}:${local}`;
  const element =
    format === 'jwt'
      ? `<${qname} verify="${escapeAttr(payload.trim())}"></${qname}>`
      : `<${qname}>${cdata(payload)}</${qname}>`;
  if (root.selfClosing) {
    // `<svg …/>` becomes `<svg …>` + credential + `</svg>`.
    edits.push({ start: tag.closeStart, end: root.startTagEnd, text: `>${element}</${root.name}>` });
  } else {
    edits.push({ start: root.startTagEnd, end: root.startTagEnd, text: element });
  }
  const out = applyEdits(src, edits);

  // Read our own output back: a bug here must not hand out an image that doesn't verify.
  const check = unbakeSvg(out, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (check.text !== payload.trim() || check.kind !== (kind === 'ob' ? 'ob3' : 'clr2')) {
    throw new Error('bakeSvg: the baked SVG does not read back as the credential');
  }
  return out;
}
