import { describe, expect, it } from 'vitest';
import { bakeSvg, unbakeSvg } from '../../core/bake/index.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { CLR_JSON, CLR_JWT, OB_JSON, OB_JWT, expectInvalid } from './helpers.ts';
import { viewSvg } from './svg-helpers.ts';

const OB_NS = 'https://purl.imsglobal.org/ob/v3p0';
const CLR_NS = 'https://purl.imsglobal.org/clr/v2p0';
const PLAIN = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="40" fill="gold"/></svg>';

const cases = [
  { name: 'OB JSON', kind: 'ob', payload: OB_JSON, prefix: 'openbadges', ns: OB_NS, baked: 'ob3', format: 'json' },
  { name: 'OB JWT', kind: 'ob', payload: OB_JWT, prefix: 'openbadges', ns: OB_NS, baked: 'ob3', format: 'jwt' },
  { name: 'CLR JSON', kind: 'clr', payload: CLR_JSON, prefix: 'clr', ns: CLR_NS, baked: 'clr2', format: 'json' },
  { name: 'CLR JWT', kind: 'clr', payload: CLR_JWT, prefix: 'clr', ns: CLR_NS, baked: 'clr2', format: 'jwt' },
] as const;

describe('bakeSvg / unbakeSvg round trip', () => {
  for (const c of cases) {
    it(`${c.name}: namespace on the root, credential element first, reads back`, () => {
      const out = bakeSvg(PLAIN, c.payload, { kind: c.kind });
      const v = viewSvg(out);
      expect(v.rootName).toBe('svg');
      expect(v.rootAttrs[`xmlns:${c.prefix}`]).toBe(c.ns);
      expect(v.credentialElements).toBe(1);
      const first = v.first;
      expect(first?.kind).toBe('element');
      if (first?.kind !== 'element') return;
      expect(first.name).toBe(`${c.prefix}:credential`);
      expect(first.uri).toBe(c.ns);
      if (c.format === 'jwt') {
        expect(first.attrs.verify).toBe(c.payload);
        expect(first.content).toBe('');
      } else {
        expect(first.attrs.verify).toBeUndefined();
        expect(first.content).toBe(c.payload);
        expect(first.cdataSections).toBe(1);
      }
      expect(unbakeSvg(out)).toEqual({ kind: c.baked, keyword: `${c.prefix}:credential`, text: c.payload, format: c.format, container: 'svg' });
      // The drawing is still there.
      expect(out).toContain('<circle cx="50" cy="50" r="40" fill="gold"/></svg>');
    });
  }
});

describe('CDATA safety', () => {
  it("a ']]>' inside the JSON splits the CDATA and round-trips", () => {
    const payload = JSON.stringify({ type: ['VerifiableCredential', 'OpenBadgeCredential'], name: 'a]]>b ]]]]> c]]' });
    const out = bakeSvg(PLAIN, payload, { kind: 'ob' });
    expect(out).toContain(']]]]><![CDATA[>');
    const v = viewSvg(out);
    expect(v.first?.kind === 'element' && v.first.content).toBe(payload);
    expect(unbakeSvg(out).text).toBe(payload);
  });

  it('characters XML cannot carry are refused', () => {
    expectInvalid(() => bakeSvg(PLAIN, '{"name":"\uFFFF"}', { kind: 'ob' }), 'U+FFFF');
  });
});

describe('string surgery guided by the parser', () => {
  it('comments, PIs, an XML declaration and an attribute with ">" do not fool it; the rest is byte for byte', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- <svg width=">"> not the root -->\r\n<?app note="<svg>"?>\r\n';
    const startTag = (extra: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" data-note="a > b" title='x/>y'\r\n     width="10"${extra}\r\n>`;
    const rest = '\r\n  <rect width="1" height="1"/><!-- > -->\r\n</svg>\r\n';
    const input = head + startTag('') + rest;
    const out = bakeSvg(input, OB_JWT, { kind: 'ob' });
    const element = `<openbadges:credential verify="${OB_JWT}"></openbadges:credential>`;
    const expected = head + startTag(` xmlns:openbadges="${OB_NS}"`) + element + rest;
    expect(out).toBe(expected);
  });

  it('a self-closing root gets an end tag', () => {
    const out = bakeSvg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" />', OB_JSON, { kind: 'ob' });
    expect(out.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" xmlns:openbadges="${OB_NS}" ><openbadges:credential>`)).toBe(true);
    expect(out.endsWith('</openbadges:credential></svg>')).toBe(true);
    expect(unbakeSvg(out).text).toBe(OB_JSON);
  });

  it('a prefixed root (svg:svg) works and keeps its prefix', () => {
    const input = '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:rect width="1" height="1"/></svg:svg>';
    const out = bakeSvg(input, OB_JWT, { kind: 'ob' });
    expect(viewSvg(out).first).toMatchObject({ kind: 'element', name: 'openbadges:credential' });
    expect(out.endsWith('<svg:rect width="1" height="1"/></svg:svg>')).toBe(true);
  });

  it('a bare <svg> (no attributes, no namespace) and a leading BOM', () => {
    expect(bakeSvg('<svg>\n</svg>', OB_JWT, { kind: 'ob' })).toBe(
      `<svg xmlns:openbadges="${OB_NS}"><openbadges:credential verify="${OB_JWT}"></openbadges:credential>\n</svg>`,
    );
    const bom = bakeSvg('\uFEFF<svg xmlns="http://www.w3.org/2000/svg"/>', OB_JSON, { kind: 'ob' });
    expect(bom.startsWith('\uFEFF<svg ')).toBe(true);
    expect(unbakeSvg(bom).text).toBe(OB_JSON);
  });

  it('an existing matching declaration is reused, not duplicated', () => {
    const input = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB_NS}"><g/></svg>`;
    const out = bakeSvg(input, OB_JWT, { kind: 'ob' });
    expect(out.split('xmlns:openbadges').length - 1).toBe(1);
  });
});

describe('re-baking', () => {
  it('replaces the credential element', () => {
    const once = bakeSvg(PLAIN, OB_JSON, { kind: 'ob' });
    const twice = bakeSvg(once, OB_JWT, { kind: 'ob' });
    expect(viewSvg(twice).credentialElements).toBe(1);
    expect(unbakeSvg(twice).text).toBe(OB_JWT);
    expect(twice.split('xmlns:openbadges').length - 1).toBe(1);
    // Baking the same payload twice is stable.
    expect(bakeSvg(once, OB_JSON, { kind: 'ob' })).toBe(once);
  });

  it('OB then CLR: the OB element and its now-unused declaration go', () => {
    const ob = bakeSvg(PLAIN, OB_JSON, { kind: 'ob' });
    const clr = bakeSvg(ob, CLR_JSON, { kind: 'clr' });
    expect(clr).not.toContain('openbadges');
    expect(viewSvg(clr).rootAttrs['xmlns:clr']).toBe(CLR_NS);
    expect(unbakeSvg(clr).kind).toBe('clr2');
  });

  it('a credential element elsewhere in the document is removed too', () => {
    const input = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="${OB_NS}"><g><ob:credential verify="old.old.old"/></g></svg>`;
    const out = bakeSvg(input, OB_JWT, { kind: 'ob' });
    expect(out).toBe(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB_NS}"><openbadges:credential verify="${OB_JWT}"></openbadges:credential><g></g></svg>`);
  });

  it('baking over an OB 2.0 badge rebinds the openbadges prefix', () => {
    const ob2 = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a.json"></openbadges:assertion><rect/></svg>';
    const out = bakeSvg(ob2, OB_JSON, { kind: 'ob' });
    expect(out).not.toContain('openbadges.org');
    expect(viewSvg(out).rootAttrs['xmlns:openbadges']).toBe(OB_NS);
    expect(unbakeSvg(out).kind).toBe('ob3');
  });

  it('refuses when the openbadges prefix is in use for another namespace', () => {
    const input = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:other"><openbadges:thing/></svg>';
    expectInvalid(() => bakeSvg(input, OB_JSON, { kind: 'ob' }), "already uses the prefix 'openbadges'");
  });
});

describe('unbakeSvg', () => {
  it('finds the credential by namespace URI, whatever the prefix', () => {
    const input = `<svg xmlns="http://www.w3.org/2000/svg"><g><ob3:credential xmlns:ob3="${OB_NS}">\n  <![CDATA[${OB_JSON}]]>\n</ob3:credential></g></svg>`;
    expect(unbakeSvg(input)).toMatchObject({ kind: 'ob3', keyword: 'ob3:credential', text: OB_JSON, format: 'json' });
  });

  it('takes the first credential element and ignores the rest', () => {
    const input = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="${OB_NS}"><o:credential verify="${OB_JWT}"/><o:credential verify="b.b.b"/></svg>`;
    expect(unbakeSvg(input).text).toBe(OB_JWT);
  });

  it('a look-alike element in another namespace is not a credential', () => {
    const input = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/spec/ob/v3p0"><openbadges:credential verify="a.b.c"/></svg>';
    try {
      unbakeSvg(input);
      expect.unreachable();
    } catch (e) {
      expect((e as LaurelError).code).toBe('NOT_FOUND');
    }
  });

  it('recognises an OB 2.0 assertion', () => {
    const input = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/assertions/1"><![CDATA[{"type":"Assertion"}]]></openbadges:assertion></svg>';
    expect(unbakeSvg(input)).toMatchObject({ kind: 'ob2', keyword: 'openbadges:assertion', text: 'https://example.org/assertions/1', format: 'url' });
  });

  it('an empty credential element is an error', () => {
    expectInvalid(() => unbakeSvg(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="${OB_NS}"><o:credential/></svg>`), 'is empty');
  });
});
