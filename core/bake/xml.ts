// A hardened XML read for SVG: saxes (strict, non-validating, never fetches or expands external
// entities) into a small tree that remembers where each element sits in the source string, so
// callers can do string surgery at positions the parser found rather than guessed.
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { LaurelError } from '../util/errors.ts';
import { DEFAULT_MAX_BYTES, MAX_XML_DEPTH, NS, formatBytes } from './types.ts';

export interface XAttr {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  value: string;
}

export interface XElement {
  type: 'element';
  name: string;
  prefix: string;
  local: string;
  uri: string;
  attrs: XAttr[];
  children: XNode[];
  /** Index of the '<' of the start tag. */
  start: number;
  /** Index just past the '>' (or '/>') of the start tag. */
  startTagEnd: number;
  /** Index just past the end tag (equals startTagEnd when self-closing). */
  end: number;
  selfClosing: boolean;
}

export type XNode =
  | XElement
  | { type: 'text'; text: string }
  | { type: 'cdata'; text: string }
  | { type: 'comment'; text: string }
  | { type: 'pi'; target: string; body: string };

export interface XDoc {
  root: XElement;
  source: string;
  /** Processing instructions outside the root element (e.g. xml-stylesheet). */
  prologPis: { target: string; body: string }[];
}

export interface ParseXmlOptions {
  maxBytes?: number;
  /** Cap on elements + text nodes; keeps memory bounded for hostile input. */
  maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 200_000;

const invalid = (message: string): LaurelError => new LaurelError('INVALID_INPUT', message);

export function checkTextSize(text: string, maxBytes: number, what: string): void {
  // Cheap bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return;
  const n = Buffer.byteLength(text, 'utf8');
  if (n > maxBytes) throw invalid(`${what} is too large: ${formatBytes(n)}; the limit is ${formatBytes(maxBytes)}`);
}

export function parseXml(text: string, options: ParseXmlOptions = {}): XDoc {
  if (typeof text !== 'string') throw invalid('expected the SVG as text');
  checkTextSize(text, options.maxBytes ?? DEFAULT_MAX_BYTES, 'the SVG');
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XElement[] = [];
  const prologPis: XDoc['prologPis'] = [];
  let root: XElement | undefined;
  let nodes = 0;
  let pendingStart = -1;

  const add = (node: XNode): void => {
    if (++nodes > maxNodes) throw invalid(`the SVG has more than ${maxNodes} elements and text nodes; refusing it`);
    stack[stack.length - 1]?.children.push(node);
  };

  parser.on('doctype', () => {
    // A DTD can declare entities: billion-laughs expansion and external entities (XXE). No SVG
    // badge needs one, so refuse outright rather than rely on the parser ignoring it.
    throw invalid('SVG with a DOCTYPE is refused: a DTD can declare entities (entity expansion, external entities). Remove the <!DOCTYPE …> and try again');
  });
  parser.on('opentagstart', () => {
    // After the tag name; '<' can't appear inside a name, so the nearest '<' before is the tag's.
    pendingStart = text.lastIndexOf('<', parser.position - 1);
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length >= MAX_XML_DEPTH) throw invalid(`the SVG nests elements more than ${MAX_XML_DEPTH} deep; refusing it`);
    const attrs = Object.values(tag.attributes).map((a: SaxesAttributeNS) => ({
      name: a.name,
      prefix: a.prefix,
      local: a.local,
      uri: a.uri,
      value: a.value,
    }));
    const el: XElement = {
      type: 'element',
      name: tag.name,
      prefix: tag.prefix,
      local: tag.local,
      uri: tag.uri,
      attrs,
      children: [],
      start: pendingStart,
      startTagEnd: parser.position,
      end: parser.position,
      selfClosing: tag.isSelfClosing,
    };
    if (text.charCodeAt(el.start) !== 0x3c || text.charCodeAt(el.startTagEnd - 1) !== 0x3e) {
      throw new Error(`xml: lost track of the start tag of <${tag.name}> (${el.start}..${el.startTagEnd})`);
    }
    if (stack.length === 0) root = el;
    else add(el);
    if (stack.length === 0) nodes++;
    stack.push(el);
  });
  parser.on('closetag', () => {
    const el = stack.pop();
    if (el) el.end = parser.position;
  });
  parser.on('text', (t: string) => {
    if (stack.length > 0) add({ type: 'text', text: t });
  });
  parser.on('cdata', (t: string) => add({ type: 'cdata', text: t }));
  parser.on('comment', (t: string) => {
    if (stack.length > 0) add({ type: 'comment', text: t });
  });
  parser.on('processinginstruction', (pi: { target: string; body: string }) => {
    if (stack.length > 0) add({ type: 'pi', target: pi.target, body: pi.body });
    else prologPis.push({ target: pi.target, body: pi.body });
  });

  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof LaurelError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new LaurelError('INVALID_INPUT', `not well-formed XML: ${msg}`, { cause: e });
  }
  if (!root) throw invalid('not well-formed XML: no root element');
  return { root, source: text, prologPis };
}

/** True for `<svg>` in the SVG namespace, or with no namespace at all (a common authoring slip). */
export function isSvgRoot(el: XElement): boolean {
  return el.local === 'svg' && (el.uri === NS.svg || el.uri === '');
}

export function requireSvgRoot(doc: XDoc): XElement {
  if (!isSvgRoot(doc.root)) {
    const ns = doc.root.uri ? ` in namespace ${doc.root.uri}` : '';
    throw invalid(`not an SVG: the root element is <${doc.root.name}>${ns}`);
  }
  return doc.root;
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Characters XML 1.0 can't carry at all (not even escaped). */
export function xmlInvalidCharAt(s: string): number {
  const m = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(s);
  return m ? m.index : -1;
}

export interface TagAttrToken {
  name: string;
  /** Index of the first character of the name. */
  start: number;
  /** Index of the whitespace run before the name (where a removal should start). */
  wsStart: number;
  /** Index just past the closing quote. */
  end: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * Attribute positions inside a start tag that saxes has already accepted as well-formed, so the
 * grammar is the simple one: `<Name (S Name S? = S? Quoted)* S? /?>`. Quoted values may hold '>'.
 */
/**
 * `closeStart` is the index of the closing '>' or '/>'; `appendAt` is just past the last
 * attribute (or the name), where a new attribute goes without disturbing the tag's layout.
 */
export function tokenizeStartTag(source: string, el: XElement): { attrs: TagAttrToken[]; closeStart: number; appendAt: number } {
  const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  let i = el.start + 1 + el.name.length;
  const attrs: TagAttrToken[] = [];
  for (;;) {
    const wsStart = i;
    while (isWs(source[i])) i++;
    const c = source[i];
    if (c === '>' || c === '/') {
      const expectedEnd = c === '>' ? i + 1 : i + 2;
      if (expectedEnd !== el.startTagEnd) throw new Error(`xml: start tag of <${el.name}> did not end where the parser said`);
      return { attrs, closeStart: i, appendAt: attrs.at(-1)?.end ?? el.start + 1 + el.name.length };
    }
    if (i === wsStart) throw new Error(`xml: expected whitespace before an attribute in <${el.name}>`);
    const start = i;
    while (i < el.startTagEnd && source[i] !== '=' && !isWs(source[i])) i++;
    const name = source.slice(start, i);
    while (isWs(source[i])) i++;
    if (source[i] !== '=') throw new Error(`xml: expected '=' after ${name}`);
    i++;
    while (isWs(source[i])) i++;
    const q = source[i];
    if (q !== '"' && q !== "'") throw new Error(`xml: expected a quote for ${name}`);
    const valueStart = i + 1;
    const valueEnd = source.indexOf(q, valueStart);
    if (valueEnd < 0 || valueEnd >= el.startTagEnd) throw new Error(`xml: unterminated value for ${name}`);
    i = valueEnd + 1;
    attrs.push({ name, start, wsStart, end: i, valueStart, valueEnd });
  }
}
