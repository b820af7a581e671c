// An independent look at SVG output through saxes: the root, its namespace declarations, and
// the first node after the root start tag.
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface SvgView {
  rootName: string;
  rootAttrs: Record<string, string>;
  /** The first child node of the root: an element (name/uri/attrs/content) or text. */
  first: { kind: 'element'; name: string; uri: string; attrs: Record<string, string>; content: string; cdataSections: number } | { kind: 'text'; text: string } | undefined;
  credentialElements: number;
}

export function viewSvg(text: string): SvgView {
  const p = new SaxesParser({ xmlns: true });
  let depth = 0;
  let view: SvgView | undefined;
  let inFirst = false;
  p.on('opentag', (t: SaxesTagNS) => {
    const attrs = Object.fromEntries(Object.values(t.attributes).map((a) => [a.name, a.value]));
    if (depth === 0) view = { rootName: t.name, rootAttrs: attrs, first: undefined, credentialElements: 0 };
    else if (depth === 1 && view && view.first === undefined) {
      view.first = { kind: 'element', name: t.name, uri: t.uri, attrs, content: '', cdataSections: 0 };
      inFirst = true;
    }
    if (view && t.local === 'credential' && (t.uri === 'https://purl.imsglobal.org/ob/v3p0' || t.uri === 'https://purl.imsglobal.org/clr/v2p0')) view.credentialElements++;
    depth++;
  });
  p.on('closetag', () => {
    depth--;
    if (depth === 1) inFirst = false;
  });
  p.on('text', (t) => {
    if (depth === 1 && view && view.first === undefined) view.first = { kind: 'text', text: t };
    else if (inFirst && view?.first?.kind === 'element') view.first.content += t;
  });
  p.on('cdata', (t) => {
    if (inFirst && view?.first?.kind === 'element') {
      view.first.content += t;
      view.first.cdataSections++;
    }
  });
  p.write(text).close();
  if (!view) throw new Error('no root');
  return view;
}
