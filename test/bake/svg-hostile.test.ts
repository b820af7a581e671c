import { describe, it } from 'vitest';
import { bakeSvg, sanitizeSvg, unbake, unbakeSvg } from '../../core/bake/index.ts';
import { OB_JSON, expectInvalid } from './helpers.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

describe('hostile SVG input', { timeout: 60_000 }, () => {
  it('a DOCTYPE with entity expansion (billion laughs) is refused', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="${SVG_NS}"><text>&lol3;</text></svg>`;
    for (const fn of [() => unbakeSvg(lol), () => bakeSvg(lol, OB_JSON, { kind: 'ob' }), () => sanitizeSvg(lol)]) {
      expectInvalid(fn, 'DOCTYPE is refused');
    }
  });

  it('an external entity (XXE) is refused', () => {
    const xxe = `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="${SVG_NS}"><text>&xxe;</text></svg>`;
    expectInvalid(() => unbakeSvg(xxe), 'DOCTYPE is refused');
    const external = `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="${SVG_NS}"/>`;
    expectInvalid(() => unbakeSvg(external), 'DOCTYPE is refused');
  });

  it('an entity reference without a DTD is not well-formed', () => {
    expectInvalid(() => unbakeSvg(`<svg xmlns="${SVG_NS}"><text>&xxe;</text></svg>`), 'not well-formed XML');
  });

  it('not well-formed XML', () => {
    for (const bad of [
      `<svg xmlns="${SVG_NS}"><g></svg>`,
      `<svg xmlns="${SVG_NS}" a="1" a="2"/>`,
      `<svg xmlns="${SVG_NS}"><x:y/></svg>`,
      `<svg xmlns="${SVG_NS}" a="<"/>`,
      `<svg xmlns="${SVG_NS}">`,
      `<svg xmlns="${SVG_NS}"/><svg xmlns="${SVG_NS}"/>`,
      `<svg xmlns="${SVG_NS}">\u0001</svg>`,
      '',
      '   ',
      'plain text',
    ]) {
      expectInvalid(() => unbakeSvg(bad), /not well-formed XML/);
    }
  });

  it('a root that is not <svg>', () => {
    expectInvalid(() => unbakeSvg('<html><body/></html>'), 'not an SVG: the root element is <html>');
    expectInvalid(() => bakeSvg('<svg xmlns="urn:not-svg"/>', OB_JSON, { kind: 'ob' }), 'not an SVG');
  });

  it('huge input is refused with the limit in the message', () => {
    const big = `<svg xmlns="${SVG_NS}">${'<g/>'.repeat(1000)}</svg>`;
    expectInvalid(() => unbakeSvg(big, { maxBytes: 1000 }), /too large: .*the limit is 1000 bytes/);
    const huge = `<svg xmlns="${SVG_NS}"><desc>${'x'.repeat(21 * 1024 * 1024)}</desc></svg>`;
    expectInvalid(() => unbakeSvg(huge), 'the limit is 20 MB');
    expectInvalid(() => unbake(new Uint8Array(Buffer.from(huge))), 'the limit is 20 MB');
  });

  it('very deep nesting and very many nodes are refused', () => {
    const deep = `<svg xmlns="${SVG_NS}">${'<g>'.repeat(300)}${'</g>'.repeat(300)}</svg>`;
    expectInvalid(() => unbakeSvg(deep), 'more than 256 deep');
    const many = `<svg xmlns="${SVG_NS}">${'<g/>'.repeat(200_001)}</svg>`;
    expectInvalid(() => unbakeSvg(many), 'more than 200000 elements');
  });

  it('bytes that are not valid UTF-8', () => {
    const bytes = new Uint8Array(Buffer.concat([Buffer.from(`<svg xmlns="${SVG_NS}"><text>`), Buffer.of(0xff, 0xfe, 0xc3), Buffer.from('</text></svg>')]));
    expectInvalid(() => unbake(bytes), 'not valid UTF-8');
  });
});
