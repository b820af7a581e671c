import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as jose from 'jose';
import { signDataIntegrity, signJwt, verifyDataIntegrity, verifyJwt, type JsonObject, type JwtVerification } from '../../core/proof/index.ts';
import { base64urlEncode } from '../../core/util/encoding.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { clone, makeKey, makeResolver, sampleCredential, type TestKey } from './helpers.ts';

let blockedBefore = 0;
beforeEach(() => {
  blockedBefore = blockedCalls.length;
});
afterEach(() => {
  expect(blockedCalls.slice(blockedBefore)).toEqual([]);
});

const ISSUER = 'https://example.edu/issuers/565049';

function decodePart(jws: string, i: 0 | 1): JsonObject {
  return JSON.parse(Buffer.from(jws.split('.')[i]!, 'base64url').toString('utf8')) as JsonObject;
}
function check(v: JwtVerification, id: string) {
  return v.checks.find((c) => c.id === id);
}
function statuses(v: JwtVerification): Record<string, string> {
  return Object.fromEntries(v.checks.map((c) => [c.id, c.status]));
}
/** A JWT signed by jose directly, for payloads our signer would never produce. */
async function joseJwt(key: TestKey, alg: 'ES256' | 'RS256' | 'EdDSA', payload: JsonObject, header: JsonObject = { kid: key.signer.verificationMethod }): Promise<string> {
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg, ...header }).sign(key.privateKey);
}

const ALL_PASSED = { format: 'passed', header: 'passed', context: 'passed', key: 'passed', signature: 'passed', 'key-binding': 'passed', iss: 'passed', jti: 'passed', sub: 'passed', nbf: 'passed', exp: 'passed' };

describe.each([
  { alg: 'P-256' as const, jwa: 'ES256' as const, options: {} },
  { alg: 'RSA-2048' as const, jwa: 'RS256' as const, options: {} },
  { alg: 'Ed25519' as const, jwa: 'EdDSA' as const, options: { allowEdDSA: true } },
])('VC-JWT $jwa round trip', ({ alg, jwa, options }) => {
  let key: TestKey;
  let credential: JsonObject;
  let jws: string;
  beforeEach(async () => {
    key = makeKey(alg, 'issuer-fragment', ISSUER);
    credential = sampleCredential(ISSUER, { validFrom: '2020-01-15T10:00:00Z', validUntil: '2099-12-31T23:59:59Z' });
    jws = await signJwt(credential, key.signer, options);
  });

  it('has exactly the allowed header and the spec claims', () => {
    expect(decodePart(jws, 0)).toEqual({ alg: jwa, kid: key.signer.verificationMethod });
    expect(decodePart(jws, 1)).toEqual({
      ...credential,
      iss: ISSUER,
      jti: credential.id,
      sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      nbf: Date.UTC(2020, 0, 15, 10, 0, 0) / 1000,
      exp: Date.UTC(2099, 11, 31, 23, 59, 59) / 1000,
    });
  });

  it('verifies with our verifier', async () => {
    const v = await verifyJwt(jws, makeResolver([key.resolved]));
    expect(statuses(v)).toEqual(ALL_PASSED);
    expect(v.status).toBe('passed');
    expect(v.credential).toEqual(credential); // the registered claims are not part of the credential
    expect(v.controller).toBe(ISSUER);
    expect(v.header).toEqual({ alg: jwa, kid: key.signer.verificationMethod });
    expect(v.claims?.iss).toBe(ISSUER);
  });

  it('verifies with jose on its own (compactVerify and jwtVerify)', async () => {
    await expect(jose.compactVerify(jws, key.signer.publicKey.keyObject, { algorithms: [jwa] })).resolves.toBeTruthy();
    const { payload, protectedHeader } = await jose.jwtVerify(jws, key.signer.publicKey.keyObject, {
      algorithms: [jwa],
      issuer: ISSUER,
      subject: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
    });
    expect(protectedHeader.alg).toBe(jwa);
    expect(payload.jti).toBe(credential.id);
  });

  it('fails when the payload is changed after signing', async () => {
    const [h, p, s] = jws.split('.');
    const payload = decodePart(jws, 1);
    payload.name = 'Teamwork Badgf';
    const tampered = `${h}.${base64urlEncode(JSON.stringify(payload))}.${s}`;
    const v = await verifyJwt(tampered, makeResolver([key.resolved]));
    expect(check(v, 'signature')).toMatchObject({ status: 'failed', reason: expect.stringContaining('does not match') });
    expect(v.status).toBe('failed');
    void p;
    // A flipped signature byte fails too.
    const sig = Buffer.from(s!, 'base64url');
    sig[5]! ^= 1;
    expect(check(await verifyJwt(`${h}.${p}.${sig.toString('base64url')}`, makeResolver([key.resolved])), 'signature')?.status).toBe('failed');
  });
});

describe('signJwt', () => {
  it('refuses EdDSA unless allowed, explaining the validator', async () => {
    const key = makeKey('Ed25519');
    await expect(signJwt(sampleCredential(key.signer.controller), key.signer)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/RS256 and ES256 only/),
    });
  });

  it('adds typ JWT only when asked, and can carry the public jwk instead of kid', async () => {
    const key = makeKey('P-256', 'issuer-fragment', ISSUER);
    const cred = sampleCredential(ISSUER);
    expect(decodePart(await signJwt(cred, key.signer, { typ: true }), 0)).toEqual({ alg: 'ES256', typ: 'JWT', kid: key.signer.verificationMethod });
    const withJwk = await signJwt(cred, key.signer, { header: 'jwk' });
    const header = decodePart(withJwk, 0);
    expect(Object.keys(header).sort()).toEqual(['alg', 'jwk']);
    expect(header.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: key.signer.publicKey.publicKeyJwk.x, y: key.signer.publicKey.publicKeyJwk.y });
    const v = await verifyJwt(withJwk, makeResolver());
    expect(check(v, 'signature')?.status).toBe('passed');
    // An inline key proves nothing about who owns it: binding cannot be shown offline.
    expect(check(v, 'key-binding')?.status).toBe('unknown');
    expect(v.status).toBe('unknown');
  });

  it('binds an inline jwk to a did:jwk issuer', async () => {
    const key = makeKey('P-256');
    const did = `did:jwk:${base64urlEncode(JSON.stringify({ crv: 'P-256', kty: 'EC', x: key.signer.publicKey.publicKeyJwk.x, y: key.signer.publicKey.publicKeyJwk.y }))}`;
    const signer = { ...key.signer, verificationMethod: `${did}#0`, controller: did };
    const v = await verifyJwt(await signJwt(sampleCredential(did), signer, { header: 'jwk' }), makeResolver());
    expect(v.status).toBe('passed');
    const other = makeKey('P-256');
    const v2 = await verifyJwt(await signJwt(sampleCredential(did), { ...other.signer, verificationMethod: `${did}#0` }, { header: 'jwk' }), makeResolver());
    expect(check(v2, 'key-binding')).toMatchObject({ status: 'failed', reason: expect.stringContaining('not bound') });
  });

  it('maps claims exactly: issuer string, no sub without subject id, dates at second precision with offsets', async () => {
    const key = makeKey('P-256', 'issuer-fragment', ISSUER);
    const cred = sampleCredential(ISSUER, {
      issuer: ISSUER,
      validFrom: '2026-01-15T12:00:00.900+02:00',
      credentialSubject: { type: ['AchievementSubject'], identifier: [], achievement: { id: 'urn:uuid:1', type: ['Achievement'], name: 'n', description: 'd', criteria: { narrative: 'x' } } },
    });
    const payload = decodePart(await signJwt(cred, key.signer), 1);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.nbf).toBe(Date.UTC(2026, 0, 15, 10, 0, 0) / 1000);
    expect('sub' in payload).toBe(false);
    expect('exp' in payload).toBe(false);
  });

  it('keeps an embedded proof inside the JWT (embed first, then wrap), and that proof still verifies', async () => {
    const ed = makeKey('Ed25519', 'issuer-fragment', ISSUER);
    const es = makeKey('P-256', 'issuer-fragment', ISSUER);
    const embedded = await signDataIntegrity(sampleCredential(ISSUER), ed.signer);
    const jws = await signJwt(embedded, es.signer);
    const v = await verifyJwt(jws, makeResolver([es.resolved]));
    expect(v.status).toBe('passed');
    expect(v.credential).toEqual(embedded);
    expect((await verifyDataIntegrity(v.credential!, makeResolver()))[0]?.status).toBe('passed');
  });

  it('refuses credentials without the required claim sources', async () => {
    const key = makeKey('P-256', 'issuer-fragment', ISSUER);
    const { id: _id, ...noId } = sampleCredential(ISSUER);
    await expect(signJwt(noId, key.signer)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('jti') });
    const { validFrom: _vf, ...noFrom } = sampleCredential(ISSUER);
    await expect(signJwt(noFrom, key.signer)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('nbf') });
    await expect(signJwt({ ...sampleCredential(ISSUER), iss: 'https://someone.else' }, key.signer)).rejects.toBeInstanceOf(LaurelError);
  });
});

describe('verifyJwt', () => {
  let key: TestKey;
  let cred: JsonObject;
  let claims: JsonObject;
  beforeEach(() => {
    key = makeKey('P-256', 'issuer-fragment', ISSUER);
    cred = sampleCredential(ISSUER, { validUntil: '2030-01-01T00:00:00Z' });
    claims = { iss: ISSUER, jti: cred.id, sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21', nbf: Date.parse('2026-01-15T10:00:00Z') / 1000, exp: Date.parse('2030-01-01T00:00:00Z') / 1000 };
  });

  it('fails each claim that contradicts the credential', async () => {
    const resolver = makeResolver([key.resolved]);
    const cases: Array<[string, JsonObject]> = [
      ['iss', { iss: 'https://other.example' }],
      ['jti', { jti: 'urn:uuid:other' }],
      ['sub', { sub: 'did:example:someone-else' }],
      ['nbf', { nbf: (claims.nbf as number) + 1 }],
      ['exp', { exp: (claims.exp as number) - 60 }],
    ];
    for (const [id, change] of cases) {
      const v = await verifyJwt(await joseJwt(key, 'ES256', { ...cred, ...claims, ...change }), resolver);
      expect(check(v, 'signature')?.status, id).toBe('passed');
      expect(check(v, id), id).toMatchObject({ status: 'failed' });
      expect(v.status, id).toBe('failed');
    }
    // exp without validUntil, and validUntil without exp.
    const { validUntil: _vu, ...noUntil } = cred;
    expect(check(await verifyJwt(await joseJwt(key, 'ES256', { ...noUntil, ...claims }), resolver), 'exp')?.status).toBe('failed');
    const { exp: _e, ...noExp } = claims;
    expect(check(await verifyJwt(await joseJwt(key, 'ES256', { ...cred, ...noExp }), resolver), 'exp')?.status).toBe('failed');
    // Missing required claims.
    const { jti: _j, nbf: _n, ...noJtiNbf } = claims;
    const v = await verifyJwt(await joseJwt(key, 'ES256', { ...cred, ...noJtiNbf }), resolver);
    expect([check(v, 'jti')?.status, check(v, 'nbf')?.status]).toEqual(['failed', 'failed']);
  });

  it('checks iss against expectedIssuer', async () => {
    const v = await verifyJwt(await joseJwt(key, 'ES256', { ...cred, ...claims }), makeResolver([key.resolved]), { expectedIssuer: 'https://someone.else' });
    expect(check(v, 'iss')?.status).toBe('failed');
  });

  it('passes a missing sub with a warning when the subject has an id', async () => {
    const { sub: _s, ...noSub } = claims;
    const v = await verifyJwt(await joseJwt(key, 'ES256', { ...cred, ...noSub }), makeResolver([key.resolved]));
    expect(check(v, 'sub')).toMatchObject({ status: 'passed', warning: true });
    expect(v.status).toBe('passed');
  });

  it('enforces the header rules', async () => {
    const resolver = makeResolver([key.resolved]);
    const payload = { ...cred, ...claims };
    const kid = key.signer.verificationMethod;
    for (const header of [{ kid, typ: 'vc+jwt' }, { kid, x5u: 'https://example.org/cert' }, { kid, cty: 'vc' }]) {
      const v = await verifyJwt(await joseJwt(key, 'ES256', payload, header), resolver);
      expect(check(v, 'header')?.status, JSON.stringify(header)).toBe('failed');
      expect(v.status).toBe('failed');
    }
    // typ JWT is fine.
    expect((await verifyJwt(await joseJwt(key, 'ES256', payload, { kid, typ: 'JWT' }), resolver)).status).toBe('passed');
    // A private key in jwk is refused.
    const priv = key.privateKey.export({ format: 'jwk' });
    const v = await verifyJwt(await joseJwt(key, 'ES256', payload, { jwk: priv }), resolver);
    expect(check(v, 'header')).toMatchObject({ status: 'failed', reason: expect.stringContaining('private key material') });
    // alg none / HS256 are refused.
    const none = `${base64urlEncode(JSON.stringify({ alg: 'none', kid }))}.${base64urlEncode(JSON.stringify(payload))}.`;
    expect((await verifyJwt(none, resolver)).status).toBe('failed');
    const hs = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'HS256', kid }).sign(new Uint8Array(32));
    const vhs = await verifyJwt(hs, resolver);
    expect(check(vhs, 'header')?.status).toBe('failed');
    expect(check(vhs, 'signature')?.status).toBe('failed');
  });

  it('fails a kid whose controller is not the issuer', async () => {
    const other = makeKey('P-256', 'issuer-fragment', 'https://other.example/issuers/9');
    const v = await verifyJwt(await signJwt(sampleCredential(ISSUER), other.signer), makeResolver());
    expect(check(v, 'signature')?.status).toBe('passed');
    expect(check(v, 'key-binding')).toMatchObject({ status: 'failed', reason: expect.stringContaining('not bound to the issuer') });
  });

  it("is 'unknown' when the key cannot be fetched", async () => {
    const rsa = makeKey('RSA-2048', 'issuer-fragment', ISSUER);
    const v = await verifyJwt(await signJwt(sampleCredential(ISSUER), rsa.signer), makeResolver()); // resolver doesn't know the RSA key
    expect(statuses(v)).toMatchObject({ key: 'unknown', signature: 'unknown', 'key-binding': 'unknown' });
    expect(v.status).toBe('unknown');
  });

  it('parses strictly and never throws on garbage', async () => {
    const resolver = makeResolver();
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', 'e30.e30.', '!!.e30.AA', `${base64urlEncode('not json')}.e30.AA`, `e30.${base64urlEncode('[1]')}.AA`]) {
      const v = await verifyJwt(bad, resolver);
      expect(check(v, 'format')?.status, bad).toBe('failed');
      expect(v.status).toBe('failed');
    }
  });

  it('reads VC-DM 1.1 JWTs with a vc claim, restoring fields from the claims', async () => {
    const vc = {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json'],
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      credentialSubject: { type: 'AchievementSubject', achievement: { id: 'urn:uuid:a', type: 'Achievement', name: 'n' } },
    };
    const nbf = Date.parse('2023-03-01T00:00:00Z') / 1000;
    const jws = await joseJwt(key, 'ES256', { vc, iss: ISSUER, jti: 'urn:uuid:legacy-1', sub: 'did:example:alice', nbf, exp: nbf + 3600 });
    const v = await verifyJwt(jws, makeResolver([key.resolved]));
    expect(statuses(v)).toEqual(ALL_PASSED);
    expect(v.credential).toMatchObject({
      id: 'urn:uuid:legacy-1',
      issuer: ISSUER,
      issuanceDate: '2023-03-01T00:00:00Z',
      expirationDate: '2023-03-01T01:00:00Z',
      credentialSubject: { id: 'did:example:alice' },
    });
    // A vc claim around a 2.0 credential is a form mismatch.
    const mixed = await joseJwt(key, 'ES256', { vc: cred, ...claims });
    expect(check(await verifyJwt(mixed, makeResolver([key.resolved])), 'context')?.status).toBe('failed');
    // A 1.1 credential as a bare payload is too.
    const bare = await joseJwt(key, 'ES256', { ...vc, id: 'urn:uuid:x', issuer: ISSUER, issuanceDate: '2023-03-01T00:00:00Z', ...claims, jti: 'urn:uuid:x', nbf });
    expect(check(await verifyJwt(bare, makeResolver([key.resolved])), 'context')?.status).toBe('failed');
  });

  it('does not change the input credential or JWT', async () => {
    const copy = clone(cred);
    await signJwt(cred, key.signer);
    expect(cred).toEqual(copy);
  });
});
