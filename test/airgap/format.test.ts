/**
 * The canonical bytes the request and bundle digests cover: RFC 8785 (JCS), checked against the
 * RFC's own examples, and the digest recomputed by hand as docs/formats/signing-request.md says.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, digestBody, digestOf, fingerprint } from '../../core/airgap/index.ts';

describe('RFC 8785 canonical JSON', () => {
  it('serializes the RFC 8785 §3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // JSON.parse keeps integer-like keys first; compare the serialized order instead.
    const order = [...canonicalJson(input).matchAll(/"([^"]*)":"([^"]*)"/g)].map((m) => m[2]);
    expect(order).toEqual(['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
    expect(keys).toHaveLength(7);
  });

  it('the digest is SHA-256 over the UTF-8 canonical bytes of the document without "digest"', () => {
    const doc = { format: 'laurel-signing-request', version: 1, b: [1, 'ü'], a: { z: null, y: true }, digest: { value: 'ignored' } };
    const expected = createHash('sha256').update(Buffer.from('{"a":{"y":true,"z":null},"b":[1,"ü"],"format":"laurel-signing-request","version":1}', 'utf8')).digest('hex');
    expect(digestOf(digestBody(doc))).toBe(expected);
    expect(fingerprint(expected)).toBe(`${expected.slice(0, 4)} ${expected.slice(4, 8)} ${expected.slice(8, 12)} ${expected.slice(12, 16)} ${expected.slice(16, 20)}`);
  });
});
