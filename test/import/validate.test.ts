import { describe, expect, it } from 'vitest';
import { checkDate, checkEmail, isDid } from '../../core/import/index.ts';

describe('DID syntax (DID Core §3.1)', () => {
  it('accepts did:<method>:<method-specific-id> with colons and pct-encoding', () => {
    for (const d of [
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      'did:web:example.com',
      'did:web:example.com%3A8443:users:alice',
      'did:example:123456789abcdefghi',
      'did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w',
      'did:example::x', // empty inner segments are allowed, the last one is not
      'did:a1:b.c-d_e',
    ]) expect(isDid(d), d).toBe(true);
  });

  it('refuses what the grammar excludes', () => {
    for (const d of ['did:foo', 'did:foo:', 'did::abc', 'did:Key:abc', 'DID:key:abc', 'did:key:a b', 'did:key:abc%2', 'did:key:abc#frag', 'did:key:abc/path', 'did:web:ex:', 'did:we-b:x'])
      expect(isDid(d), d).toBe(false);
  });
});

describe('email (practical)', () => {
  it('accepts ordinary, plus-tagged and internationalised addresses', () => {
    for (const e of ['a@example.org', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie", 'zoë@müller.de', 'user@xn--mller-kva.de', 'ünïcode@例え.jp'])
      expect(checkEmail(e).ok, e).toBe(true);
  });

  it('refuses what cannot be delivered', () => {
    for (const e of ['', 'bob@', '@example.org', 'a@b', 'a@b.c', 'a..b@example.org', '.a@example.org', 'a.@example.org', 'a@-example.org', 'a@example..org', 'a b@example.org', 'a@exa mple.org', 'a,b@example.org'])
      expect(checkEmail(e).ok, e).toBe(false);
  });

  it('compares case-insensitively and in ASCII form', () => {
    expect(checkEmail('Zoe@Example.ORG')).toEqual({ ok: true, value: 'zoe@example.org' });
    expect(checkEmail('ZOË@MÜLLER.DE')).toEqual({ ok: true, value: 'zoë@xn--mller-kva.de' });
  });
});

describe('dates', () => {
  it('normalises accepted forms', () => {
    expect(checkDate('2024-02-29', 'd')).toEqual({ ok: true, value: '2024-02-29' });
    expect(checkDate('2024/12/1', 'd')).toEqual({ ok: true, value: '2024-12-01' });
    expect(checkDate('2024-05-01T09:30:15.250z', 'd')).toEqual({ ok: true, value: '2024-05-01T09:30:15.250Z' });
    expect(checkDate('2024-05-01 09:30-05:00', 'd')).toEqual({ ok: true, value: '2024-05-01T09:30:00-05:00' });
  });

  it('refuses impossible ones', () => {
    for (const v of ['2023-02-29', '2024-13-01', '2024-05-01T24:00', '2024-05-01T10:00+15:00', '2024-5-1', '05/05/2024']) expect(checkDate(v, 'd').ok, v).toBe(false);
  });
});
