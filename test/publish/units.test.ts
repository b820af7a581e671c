// The small rules of core/publish, each against the text that defines it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { equalityKey, jwtCredential, normalizeBaseUrl, parseServiceDescription, retryAfterMs, sameCredential, validFromOf, loopbackRedirect, createPkce } from '../../core/publish/index.ts';
import { basicAuth } from '../../core/publish/oauth.ts';
import { backoffMs, DEFAULT_RETRY } from '../../core/publish/retry.ts';
import { expectLaurelError } from '../keys/helpers.ts';

const SPEC = path.resolve(import.meta.dirname, '../../../shared/spec');

describe('credential equality (spec-digest §12)', () => {
  it('compares issuer.id and id after percent-decoding and trimming; the later validFrom is current', () => {
    const a = { id: 'urn:uuid:1234', issuer: { id: 'https://issuer.example/profile' }, validFrom: '2030-01-01T00:00:00Z' };
    expect(sameCredential(a, { id: ' urn%3Auuid%3A1234 ', issuer: 'https://issuer.example/profile ' })).toBe(true);
    expect(sameCredential(a, { id: 'urn:uuid:1234', issuer: 'https://other.example/profile' })).toBe(false);
    expect(sameCredential(a, { id: 'urn:uuid:12345', issuer: { id: 'https://issuer.example/profile' } })).toBe(false);
    expect(equalityKey({ id: 'x' })).toBeUndefined(); // no issuer id: can't be told apart
    expect(equalityKey({ id: '100%', issuer: 'i' })).toBe('i\n100%'); // a stray % is compared as it is
    expect(validFromOf(a)).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(validFromOf({ issuanceDate: '2020-01-01T00:00:00Z' })).toBe(Date.parse('2020-01-01T00:00:00Z'));
    const sampleA = JSON.parse(readFileSync(path.join(SPEC, 'ob3/examples/spec/equality-sample-credential-a.json'), 'utf8')) as Record<string, unknown>;
    const sampleC = JSON.parse(readFileSync(path.join(SPEC, 'ob3/examples/spec/equality-sample-credential-c.json'), 'utf8')) as Record<string, unknown>;
    // The spec's own example: the same credential, C (later validFrom) replacing A.
    expect(sameCredential(sampleA, sampleC)).toBe(true);
    expect(validFromOf(sampleC)).toBeGreaterThan(validFromOf(sampleA));
  });

  it('reads the credential in a VC-JWT: the payload (VCDM 2.0) or its vc claim (1.1)', () => {
    const jws = (payload: unknown) => `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
    expect(jwtCredential(jws({ '@context': ['x'], id: 'a' }))).toEqual({ '@context': ['x'], id: 'a' });
    expect(jwtCredential(jws({ iss: 'i', vc: { id: 'b' } }))).toEqual({ id: 'b' });
    expectLaurelError(() => jwtCredential('not.a'), 'INVALID_INPUT');
    expectLaurelError(() => jwtCredential(`a.${Buffer.from('[1]').toString('base64url')}.c`), 'INVALID_INPUT');
  });
});

describe('retries (spec-digest §9)', () => {
  it('reads Retry-After as seconds or an HTTP date; backs off 4x, capped', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 31 Dec 2029 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect([1, 2, 3].map((n) => backoffMs(DEFAULT_RETRY, n))).toEqual([2_000, 8_000, 32_000]);
    expect(backoffMs({ ...DEFAULT_RETRY, maxWaitMs: 5_000 }, 3)).toBe(5_000);
  });
});

describe('OAuth pieces (spec-digest §10, RFC 7636, RFC 6749 §2.3.1, RFC 8252 §7.3)', () => {
  it('PKCE S256: a 43-character verifier from the unreserved set, its SHA-256 as the challenge', () => {
    const { verifier, challenge } = createPkce();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
    expect(createPkce().verifier).not.toBe(verifier);
  });

  it('Basic auth form-encodes each part first; the redirect is the loopback IP literal', () => {
    expect(basicAuth('id:1', 'sec ret/+')).toBe(`Basic ${Buffer.from('id%3A1:sec+ret%2F%2B').toString('base64')}`);
    expect(loopbackRedirect(47613)).toBe('http://127.0.0.1:47613/callback');
  });
});

describe('discovery (spec-digest §9.1)', () => {
  it('accepts the addresses people paste', () => {
    expect(normalizeBaseUrl('https://wallet.example.org/')).toBe('https://wallet.example.org');
    expect(normalizeBaseUrl(' https://wallet.example.org/ims/ob/v3p0/discovery?x=1#y ')).toBe('https://wallet.example.org');
    expect(normalizeBaseUrl('https://wallet.example.org/tenant/ims/clr/v2p0')).toBe('https://wallet.example.org/tenant');
    expect(normalizeBaseUrl('http://127.0.0.1:8765')).toBe('http://127.0.0.1:8765');
    expectLaurelError(() => normalizeBaseUrl('http://wallet.example.org'), 'INVALID_INPUT'); // https only off this machine
    expectLaurelError(() => normalizeBaseUrl(''), 'INVALID_INPUT');
  });

  const URL_ = 'https://wallet.example/ims/ob/v3p0/discovery';
  const sdd = () => ({
    openapi: '3.0.1',
    info: { title: 'Wallet', version: '3.0', termsOfService: 'https://wallet.example/terms', 'x-imssf-privacyPolicyUrl': 'https://wallet.example/privacy' },
    components: {
      securitySchemes: {
        OAuth2ACG: {
          type: 'oauth2',
          'x-imssf-registrationUrl': 'https://wallet.example/register',
          flows: { authorizationCode: { authorizationUrl: 'https://wallet.example/authorize', tokenUrl: '/token', scopes: { 'https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert': 'Add' } } },
        },
      },
    },
  });

  it('reads what the client needs, with relative endpoints resolved and privacy looked for in info first', () => {
    const d = parseServiceDescription('ob', URL_, sdd());
    expect(d).toMatchObject({ apiBase: 'https://wallet.example/ims/ob/v3p0', title: 'Wallet', tokenUrl: 'https://wallet.example/token', refreshUrl: null, revocationUrl: null, image: null });
    const inScheme = sdd() as any;
    delete inScheme.info['x-imssf-privacyPolicyUrl'];
    inScheme.components.securitySchemes.OAuth2ACG['x-imssf-privacyPolicyUrl'] = 'https://wallet.example/p2';
    inScheme.components.securitySchemes.OAuth2ACG['x-laurel-revocationUrl'] = 'https://wallet.example/revoke';
    expect(parseServiceDescription('ob', URL_, inScheme)).toMatchObject({ privacyUrl: 'https://wallet.example/p2', revocationUrl: 'https://wallet.example/revoke' });
  });

  it('names what is missing or unusable', () => {
    const cases: Array<[(d: any) => void, RegExp]> = [
      [(d) => delete d.info.termsOfService, /no terms of service/],
      [(d) => delete d.components.securitySchemes.OAuth2ACG, /offers no OAuth 2.0 authorization code scheme/],
      [(d) => delete d.components.securitySchemes.OAuth2ACG['x-imssf-registrationUrl'], /no registration endpoint/],
      [(d) => (d.components.securitySchemes.OAuth2ACG.flows.authorizationCode.authorizationUrl = 'http://wallet.example/authorize'), /not an https address/],
      [(d) => (d.info.termsOfService = 'javascript:alert(1)'), /is not a web address/],
    ];
    for (const [change, message] of cases) {
      const d = sdd();
      change(d);
      const e = expectLaurelError(() => parseServiceDescription('ob', URL_, d), 'VALIDATION');
      expect(e.message).toMatch(message);
    }
    expectLaurelError(() => parseServiceDescription('ob', URL_, []), 'VALIDATION');
  });
});
