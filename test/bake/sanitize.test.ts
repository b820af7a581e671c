import { describe, expect, it } from 'vitest';
import { bakeSvg, sanitizeSvg, unbakeSvg } from '../../core/bake/index.ts';
import { OB_JSON, expectInvalid } from './helpers.ts';
import { SaxesParser, type SaxesTagNS } from 'saxes';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PNG_DATA = 'data:image/png;base64,iVBORw0KGgo=';

function elements(svg: string): { name: string; uri: string; attrs: Record<string, string> }[] {
  const out: { name: string; uri: string; attrs: Record<string, string> }[] = [];
  const p = new SaxesParser({ xmlns: true });
  p.on('opentag', (t: SaxesTagNS) => out.push({ name: t.name, uri: t.uri, attrs: Object.fromEntries(Object.values(t.attributes).map((a) => [a.name, a.value])) }));
  p.write(svg).close();
  return out;
}

const HOSTILE = `<?xml version="1.0"?>
<?xml-stylesheet href="http://evil.example/x.css"?>
<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="100" height="100" viewBox="0 0 100 100" onload="alert(1)">
  <ob:credential verify="a.b.c"/>
  <script>alert(document.cookie)</script>
  <script xlink:href="http://evil.example/x.js"/>
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="gold"/><stop offset="1" stop-color="orange"/></linearGradient>
    <style>rect { fill: url(#g); }</style>
  </defs>
  <style>@import url("http://evil.example/x.css");</style>
  <style>.a { background: url(http://evil.example/track.png) }</style>
  <g inkscape:label="Layer 1" transform="translate(1 2)">
    <rect id="r" x="1" y="1" width="98" height="98" rx="8" fill="url(#g)" onclick="steal()" onMouseOver="x()"/>
    <circle cx="50" cy="50" r="30" style="fill: red; stroke: blue"/>
    <circle cx="50" cy="50" r="20" style="fill: url('https://evil.example/p.svg#x')"/>
    <path d="M10 10 L90 90" stroke="black" stroke-width="2" filter="url(http://evil.example/f.svg#f)"/>
  </g>
  <a href="javascript:alert(1)"><text x="10" y="20">Click &amp; win &lt;3</text></a>
  <a xlink:href="https://example.org"><ellipse cx="5" cy="5" rx="2" ry="1"/></a>
  <use xlink:href="#r"/>
  <use href="  java&#9;script:alert(1)"/>
  <use href="http://evil.example/sprite.svg#icon"/>
  <image width="10" height="10" href="${PNG_DATA}"/>
  <image width="10" height="10" xlink:href="http://evil.example/tracker.png"/>
  <image width="10" height="10" href="data:image/svg+xml;base64,PHN2Zy8+"/>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://evil.example"/></div></foreignObject>
  <set attributeName="href" to="javascript:alert(1)"/>
  <animate attributeName="fill" values="red;blue" dur="1s"/>
  <!-- a comment -->
</svg>`;

describe('sanitizeSvg', () => {
  const { svg, removed } = sanitizeSvg(HOSTILE);
  const els = elements(svg);
  const names = els.map((e) => e.name);

  it('produces well-formed SVG in the SVG namespace', () => {
    expect(els[0]).toMatchObject({ name: 'svg', uri: SVG_NS });
    expect(els.every((e) => e.uri === SVG_NS)).toBe(true);
  });

  it('removes scripts, foreignObject, animation, and the baked credential', () => {
    for (const n of ['script', 'foreignObject', 'div', 'iframe', 'set', 'animate', 'ob:credential', 'a']) expect(names).not.toContain(n);
    expect(svg).not.toMatch(/alert|cookie|evil\.example|javascript|iframe/i);
    expect(svg).not.toContain('<!--');
    expect(svg).not.toContain('<?');
  });

  it('removes on* handlers in any case', () => {
    expect(svg).not.toMatch(/\son[a-z]+=/i);
  });

  it('keeps shapes, gradients, safe styles, same-document links and PNG data URIs', () => {
    for (const n of ['defs', 'linearGradient', 'stop', 'g', 'rect', 'circle', 'path', 'text', 'ellipse', 'use', 'image', 'style']) {
      expect(names).toContain(n);
    }
    const rect = els.find((e) => e.name === 'rect')!;
    expect(rect.attrs).toMatchObject({ id: 'r', fill: 'url(#g)', rx: '8', width: '98' });
    expect(els.find((e) => e.name === 'g')!.attrs).toEqual({ transform: 'translate(1 2)' });
    expect(els.filter((e) => e.name === 'circle')[0]!.attrs.style).toBe('fill: red; stroke: blue');
    expect(els.filter((e) => e.name === 'circle')[1]!.attrs.style).toBeUndefined();
    expect(els.find((e) => e.name === 'path')!.attrs.filter).toBeUndefined();
    expect(els.find((e) => e.name === 'path')!.attrs.d).toBe('M10 10 L90 90');
    const uses = els.filter((e) => e.name === 'use');
    expect(uses[0]!.attrs['xlink:href']).toBe('#r');
    expect(uses.slice(1).every((u) => Object.keys(u.attrs).length === 0)).toBe(true);
    const images = els.filter((e) => e.name === 'image');
    expect(images[0]!.attrs.href).toBe(PNG_DATA);
    expect(images[1]!.attrs['xlink:href']).toBeUndefined();
    expect(images[2]!.attrs.href).toBeUndefined();
    expect(svg).toContain('<style>rect { fill: url(#g); }</style>');
    expect(svg).toContain('Click &amp; win &lt;3');
    expect(svg).toContain('xmlns:xlink="http://www.w3.org/1999/xlink"');
  });

  it('reports what it removed', () => {
    const text = removed.join('\n');
    for (const needle of [
      '<?xml-stylesheet?> processing instruction',
      'onload attribute on <svg>',
      'onclick attribute on <rect>',
      'onMouseOver attribute on <rect>',
      '<script> element ×2',
      '<foreignObject> element',
      '<style> element (@import)',
      '<style> element (url(http://evil.example/track.png))',
      'baked credential <ob:credential>',
      '<a> link (its content is kept) ×2',
      'javascript: in href on <use>',
      'http://evil.example/tracker.png',
      'data:image/svg+xml',
      '<set> element',
      '<animate> element',
      'inkscape:label attribute on <g>',
      'style attribute on <circle>',
      'filter="url(http://evil.example/f.svg#f)" on <path>',
    ]) {
      expect(text).toContain(needle);
    }
  });

  it('sanitise, then bake: the result carries the credential and stays clean', () => {
    const baked = bakeSvg(svg, OB_JSON, { kind: 'ob' });
    expect(unbakeSvg(baked).text).toBe(OB_JSON);
    expect(sanitizeSvg(svg).removed).toEqual([]);
  });

  it('keeps an unprefixed, namespace-less SVG and adds the namespace', () => {
    const r = sanitizeSvg('<svg width="4" height="4"><rect width="4" height="4" fill="#0a0"/></svg>');
    expect(r.svg).toBe(`<svg xmlns="${SVG_NS}" width="4" height="4"><rect width="4" height="4" fill="#0a0"/></svg>`);
    expect(r.removed).toEqual([]);
  });

  it('refuses CSS escapes that could hide url( or @import', () => {
    const r = sanitizeSvg(`<svg xmlns="${SVG_NS}"><style>.a{background:\\75rl(http://x)}</style><rect style="fill:\\75rl(http://x)"/></svg>`);
    expect(r.svg).toBe(`<svg xmlns="${SVG_NS}"><rect/></svg>`);
    expect(r.removed).toEqual(['<style> element (CSS escapes)', 'style attribute on <rect> (CSS escapes)']);
  });

  it('refuses CSS that loads URLs without url()', () => {
    const r = sanitizeSvg(`<svg xmlns="${SVG_NS}"><rect style="background: image-set('http://x/a.png' 1x)"/></svg>`);
    expect(r.removed).toEqual(['style attribute on <rect> (CSS image function)']);
  });

  it('refuses what the parser refuses', () => {
    expectInvalid(() => sanitizeSvg('<!DOCTYPE svg><svg/>'), 'DOCTYPE');
    expectInvalid(() => sanitizeSvg('<html/>'), 'not an SVG');
  });
});
