// Make an untrusted SVG safe to show and bake: parse it (hardened) and write a new document that
// keeps only an allow-list of SVG drawing elements and presentation attributes. Anything else is
// dropped and named in `removed`, so the UI can tell the person what changed.
import { NS } from './types.ts';
import { escapeAttr, escapeText, parseXml, requireSvgRoot, type ParseXmlOptions, type XAttr, type XElement } from './xml.ts';

/** maxBytes (default 20 MB) and maxNodes (default 200 000) for the hardened parse. */
export type SanitizeSvgOptions = ParseXmlOptions;

export interface SanitizeSvgResult {
  svg: string;
  /** What was removed, e.g. "<script> element", "onclick attribute on <rect>" (with ×N when repeated). */
  removed: string[];
}

const ELEMENTS = new Set([
  'svg', 'g', 'defs', 'symbol', 'use', 'title', 'desc', 'switch',
  'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon',
  'text', 'tspan', 'textPath',
  'linearGradient', 'radialGradient', 'stop', 'pattern', 'clipPath', 'mask', 'marker', 'image', 'style',
  'filter', 'feBlend', 'feColorMatrix', 'feComponentTransfer', 'feComposite', 'feConvolveMatrix',
  'feDiffuseLighting', 'feDisplacementMap', 'feDistantLight', 'feDropShadow', 'feFlood', 'feFuncA',
  'feFuncB', 'feFuncG', 'feFuncR', 'feGaussianBlur', 'feMerge', 'feMergeNode', 'feMorphology',
  'feOffset', 'fePointLight', 'feSpecularLighting', 'feSpotLight', 'feTile', 'feTurbulence',
]);

/** Elements whose content is kept when the element itself goes (a link around a drawing). */
const UNWRAP = new Set(['a']);

const ATTRIBUTES = new Set([
  'id', 'class', 'style', 'transform', 'lang', 'tabindex', 'role', 'aria-label', 'aria-hidden', 'focusable',
  'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'fx', 'fy', 'fr', 'width', 'height', 'd',
  'points', 'pathLength', 'viewBox', 'preserveAspectRatio', 'version',
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-linecap', 'stroke-linejoin',
  'stroke-miterlimit', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-opacity', 'opacity', 'color',
  'display', 'visibility', 'overflow', 'clip-path', 'clip-rule', 'clipPathUnits', 'mask', 'maskUnits',
  'maskContentUnits', 'filter', 'filterUnits', 'primitiveUnits', 'paint-order', 'vector-effect',
  'shape-rendering', 'text-rendering', 'image-rendering', 'color-interpolation', 'color-interpolation-filters',
  'color-rendering', 'mix-blend-mode', 'isolation',
  'font-family', 'font-size', 'font-size-adjust', 'font-weight', 'font-style', 'font-variant', 'font-stretch',
  'text-anchor', 'dominant-baseline', 'alignment-baseline', 'baseline-shift', 'letter-spacing',
  'word-spacing', 'text-decoration', 'writing-mode', 'direction', 'unicode-bidi', 'dx', 'dy', 'rotate',
  'textLength', 'lengthAdjust', 'startOffset', 'method', 'spacing', 'side',
  'gradientUnits', 'gradientTransform', 'spreadMethod', 'offset', 'stop-color', 'stop-opacity',
  'patternUnits', 'patternContentUnits', 'patternTransform',
  'markerWidth', 'markerHeight', 'markerUnits', 'refX', 'refY', 'orient', 'marker-start', 'marker-mid', 'marker-end',
  'in', 'in2', 'result', 'stdDeviation', 'mode', 'type', 'values', 'operator', 'k1', 'k2', 'k3', 'k4',
  'flood-color', 'flood-opacity', 'lighting-color', 'radius', 'scale', 'xChannelSelector', 'yChannelSelector',
  'baseFrequency', 'numOctaves', 'seed', 'stitchTiles', 'tableValues', 'slope', 'intercept', 'amplitude',
  'exponent', 'order', 'kernelMatrix', 'divisor', 'bias', 'targetX', 'targetY', 'edgeMode', 'preserveAlpha',
  'surfaceScale', 'diffuseConstant', 'specularConstant', 'specularExponent', 'kernelUnitLength', 'azimuth',
  'elevation', 'z', 'pointsAtX', 'pointsAtY', 'pointsAtZ', 'limitingConeAngle', 'systemLanguage',
  'href', // checked below
]);

const XML_ATTRIBUTES = new Set(['space', 'lang']);

const SAFE_DATA_IMAGE = /^data:image\/(png|jpeg|gif)[;,]/i;
const FRAGMENT = /^#[^\s"'<>()\\]*$/;

/** Strip what browsers ignore inside a URL scheme ("java\tscript:") before looking for one. */
function squeeze(s: string): string {
  return s.replace(/[\u0000-\u0020\u007f-\u00a0\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g, '').toLowerCase();
}

function mentionsJavascript(s: string): boolean {
  const q = squeeze(s);
  return q.includes('javascript:') || q.includes('vbscript:');
}

/** A reason to reject CSS text, or undefined when it is harmless. */
function unsafeCss(css: string): string | undefined {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  // CSS escapes can spell `url(` or `@import` in disguise; badge art doesn't need them.
  if (text.includes('\\')) return 'CSS escapes';
  const q = squeeze(text);
  if (q.includes('@import')) return '@import';
  if (q.includes('javascript:') || q.includes('vbscript:')) return 'javascript: URL';
  if (q.includes('expression(') || q.includes('-moz-binding') || q.includes('behavior:')) return 'scriptable CSS';
  // These take URLs as plain strings, without url(…).
  if (/(?:image-set|image|cross-fade|element|src)\(/.test(q)) return 'CSS image function';
  for (const m of q.matchAll(/url\(([^)]*)\)?/g)) {
    const target = (m[1] ?? '').replace(/^["']|["']$/g, '');
    if (!target.startsWith('#')) return `url(${target.slice(0, 60)})`;
  }
  return undefined;
}

function urlRefsSafe(value: string): boolean {
  return unsafeCss(value) === undefined;
}

/** Placeholder in the root start tag; NUL can't occur in parsed XML, so it can't collide. */
const ROOT_NS = '\u0000';

function short(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}

export function sanitizeSvg(svgText: string, options: SanitizeSvgOptions = {}): SanitizeSvgResult {
  const doc = parseXml(svgText, options);
  const root = requireSvgRoot(doc);
  const rootUri = root.uri;
  const removedCounts = new Map<string, number>();
  const note = (what: string) => removedCounts.set(what, (removedCounts.get(what) ?? 0) + 1);
  let usesXlink = false;

  for (const pi of doc.prologPis) note(`<?${pi.target}?> processing instruction`);

  const isSvg = (el: XElement) => el.uri === NS.svg || (rootUri === '' && el.uri === '');

  const attrOut = (el: XElement, a: XAttr): string | undefined => {
    const where = `on <${el.local}>`;
    if (a.uri === NS.xmlns || a.name === 'xmlns') return undefined; // namespaces are rewritten
    if (/^on/i.test(a.local)) {
      note(`${a.local} attribute ${where}`);
      return undefined;
    }
    if (a.uri === NS.xml && XML_ATTRIBUTES.has(a.local)) return ` xml:${a.local}="${escapeAttr(a.value)}"`;
    const isHref = a.local === 'href' && (a.uri === '' || a.uri === NS.xlink);
    if (!isHref && (a.uri !== '' || !ATTRIBUTES.has(a.local))) {
      note(`${a.name} attribute ${where}`);
      return undefined;
    }
    if (mentionsJavascript(a.value)) {
      note(`javascript: in ${a.name} ${where}`);
      return undefined;
    }
    if (isHref) {
      const v = a.value.trim();
      if (!FRAGMENT.test(v) && !SAFE_DATA_IMAGE.test(v)) {
        note(`${a.name}="${short(v)}" ${where} (only #fragments and PNG/JPEG/GIF data: URIs are kept)`);
        return undefined;
      }
      if (a.uri === NS.xlink) {
        usesXlink = true;
        return ` xlink:href="${escapeAttr(v)}"`;
      }
      return ` href="${escapeAttr(v)}"`;
    }
    if (a.local === 'style') {
      const why = unsafeCss(a.value);
      if (why) {
        note(`style attribute ${where} (${why})`);
        return undefined;
      }
    } else if (/url\s*\(/i.test(a.value) && !urlRefsSafe(a.value)) {
      note(`${a.name}="${short(a.value)}" ${where} (external url())`);
      return undefined;
    }
    return ` ${a.local}="${escapeAttr(a.value)}"`;
  };

  const out: string[] = [];
  const writeChildren = (el: XElement, inStyle: boolean): void => {
    for (const c of el.children) {
      if (c.type === 'text' || c.type === 'cdata') out.push(escapeText(c.text));
      else if (c.type === 'element') writeElement(c, inStyle);
      else if (c.type === 'pi') note(`<?${c.target}?> processing instruction`);
      // Comments are dropped silently: harmless, and not worth a line in the report.
    }
  };
  const writeElement = (el: XElement, inStyle: boolean): void => {
    if (inStyle) {
      note(`<${el.name}> element inside <style>`);
      return;
    }
    if (!isSvg(el)) {
      const known = el.uri === NS.ob3 || el.uri === NS.clr2 || el.uri === NS.ob2;
      note(known ? `baked credential <${el.name}> (bake again after sanitising)` : `<${el.name}> element (not SVG)`);
      return;
    }
    if (UNWRAP.has(el.local)) {
      note(`<${el.local}> link (its content is kept)`);
      writeChildren(el, false);
      return;
    }
    if (!ELEMENTS.has(el.local)) {
      note(`<${el.local}> element`);
      return;
    }
    if (el.local === 'style') {
      const css = el.children.map((c) => (c.type === 'text' || c.type === 'cdata' ? c.text : '')).join('');
      const why = unsafeCss(css) ?? (el.children.some((c) => c.type === 'element') ? 'markup inside' : undefined);
      if (why) {
        note(`<style> element (${why})`);
        return;
      }
    }
    const attrs = el.attrs.map((a) => attrOut(el, a) ?? '').join('');
    // The root's namespace declarations are written at the end, once we know if xlink is used.
    const ns = el === root ? ROOT_NS : '';
    if (el.children.length === 0) {
      out.push(`<${el.local}${ns}${attrs}/>`);
      return;
    }
    out.push(`<${el.local}${ns}${attrs}>`);
    writeChildren(el, el.local === 'style');
    out.push(`</${el.local}>`);
  };
  writeElement(root, false);

  const decls = ` xmlns="${NS.svg}"` + (usesXlink ? ` xmlns:xlink="${NS.xlink}"` : '');
  out[0] = out[0]!.replace(ROOT_NS, decls);
  const svg = out.join('');
  const removed = [...removedCounts].map(([what, n]) => (n > 1 ? `${what} ×${n}` : what));
  return { svg, removed };
}
