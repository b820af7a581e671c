import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import jsigs from '@digitalcredentials/jsonld-signatures';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import {
  canonicalizeForProof,
  createDataIntegritySigner,
  hashForProof,
  signDataIntegrity,
  verifyDataIntegrity,
  type JsonObject,
} from '../../core/proof/index.ts';
import { documentLoader } from '../../core/jsonld/index.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { multibaseEncode } from '../../core/util/encoding.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { clone, makeKey, makeResolver, sampleCredential, type TestKey } from './helpers.ts';

// Signing and verifying must never touch the network: the guard records any attempt.
let blockedBefore = 0;
beforeEach(() => {
  blockedBefore = blockedCalls.length;
});
afterEach(() => {
  expect(blockedCalls.slice(blockedBefore)).toEqual([]);
});

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Changes exactly one alphanumeric character near the middle, staying inside base58. */
function oneCharChange(s: string): string {
  const mid = Math.floor(s.length / 2);
  for (let d = 0; d < s.length; d++) {
    for (const i of [mid + d, mid - d]) {
      const c = s[i];
      if (c === undefined) continue;
      const k = B58.indexOf(c);
      if (k >= 0) return s.slice(0, i) + B58[(k + 1) % B58.length] + s.slice(i + 1);
    }
  }
  throw new Error(`nothing to change in ${s}`);
}

/** Every path to a string leaf. */
function stringLeaves(v: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, [...path, k]));
  return [];
}
function setAt(obj: unknown, path: Array<string | number>, fn: (s: string) => string): void {
  let o = obj as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  o[last] = fn(o[last] as string);
}

describe.each([
  { alg: 'Ed25519' as const, suite: 'eddsa-rdfc-2022', style: 'did:key' as const },
  { alg: 'Ed25519' as const, suite: 'eddsa-rdfc-2022', style: 'issuer-fragment' as const },
  { alg: 'P-256' as const, suite: 'ecdsa-rdfc-2019', style: 'did:key' as const },
  { alg: 'P-256' as const, suite: 'ecdsa-rdfc-2019', style: 'issuer-fragment' as const },
])('$alg / $suite / $style round trip', ({ alg, suite, style }) => {
  let key: TestKey;
  let signed: JsonObject;
  beforeEach(async () => {
    key = makeKey(alg, style);
    signed = await signDataIntegrity(sampleCredential(key.signer.controller), key.signer, { created: '2026-02-01T12:00:00Z' });
  });

  it('signs with the cryptosuite the key implies and verifies', async () => {
    const proofs = signed.proof as JsonObject[];
    expect(proofs).toEqual([
      {
        type: 'DataIntegrityProof',
        created: '2026-02-01T12:00:00Z',
        verificationMethod: key.signer.verificationMethod,
        cryptosuite: suite,
        proofPurpose: 'assertionMethod',
        proofValue: expect.stringMatching(/^z[1-9A-HJ-NP-Za-km-z]+$/),
      },
    ]);
    const results = await verifyDataIntegrity(signed, makeResolver());
    expect(results).toEqual([
      {
        proofIndex: 0,
        type: 'DataIntegrityProof',
        cryptosuite: suite,
        verificationMethod: key.signer.verificationMethod,
        status: 'passed',
        reason: expect.stringContaining('valid'),
        controller: key.signer.controller,
        keyBound: true,
      },
    ]);
  });

  it('fails after a one-character change anywhere (field values, created, proofValue, verificationMethod)', async () => {
    const paths = stringLeaves(signed);
    expect(paths.length).toBeGreaterThan(20);
    const resolver = makeResolver();
    for (const path of paths) {
      const tampered = clone(signed);
      setAt(tampered, path, oneCharChange);
      const [r] = await verifyDataIntegrity(tampered, resolver);
      const where = path.join('.');
      // A changed context URL is outside the bundle ('unknown'); a changed proof type or cryptosuite
      // is an unsupported proof ('unknown'); everything else is a plain failure.
      const expected = where.startsWith('@context') || where === 'proof.0.type' || where === 'proof.0.cryptosuite' ? 'unknown' : 'failed';
      expect(r?.status, `${where}: ${r?.reason}`).toBe(expected);
    }
  });

  it('names the reason in plain words for the usual tampering', async () => {
    const resolver = makeResolver();
    const changedName = { ...clone(signed), name: 'Teamwork Badgf' };
    expect((await verifyDataIntegrity(changedName, resolver))[0]?.reason).toMatch(/signature does not match/);
    const changedCreated = clone(signed);
    (changedCreated.proof as JsonObject[])[0]!.created = '2026-02-01T12:00:01Z';
    expect((await verifyDataIntegrity(changedCreated, resolver))[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/signature does not match/) });
  });
});

describe('signDataIntegrity', () => {
  it('defaults created to now at second precision with Z', async () => {
    const key = makeKey('Ed25519');
    const before = Math.floor(Date.now() / 1000) * 1000;
    const signed = await signDataIntegrity(sampleCredential(key.signer.controller), key.signer);
    const created = (signed.proof as JsonObject[])[0]!.created as string;
    expect(created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(created)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(created)).toBeLessThanOrEqual(Date.now());
  });

  it('does not modify its input', async () => {
    const key = makeKey('Ed25519');
    const cred = sampleCredential(key.signer.controller);
    const copy = clone(cred);
    await signDataIntegrity(cred, key.signer);
    expect(cred).toEqual(copy);
  });

  it('appends to existing proofs, normalising a lone proof object to an array; every proof verifies', async () => {
    const ed = makeKey('Ed25519');
    const p256 = makeKey('P-256', 'issuer-fragment', 'https://example.edu/issuers/565049');
    const edIssuer = makeKey('Ed25519', 'issuer-fragment', 'https://example.edu/issuers/565049');
    const cred = sampleCredential('https://example.edu/issuers/565049');
    const first = await signDataIntegrity(cred, edIssuer.signer);
    const lone = { ...first, proof: (first.proof as JsonObject[])[0] };
    const both = await signDataIntegrity(lone, p256.signer);
    expect(Array.isArray(both.proof)).toBe(true);
    expect(both.proof).toHaveLength(2);
    expect((both.proof as JsonObject[])[0]).toEqual((first.proof as JsonObject[])[0]);
    const results = await verifyDataIntegrity(both, makeResolver());
    expect(results.map((r) => [r.proofIndex, r.cryptosuite, r.status])).toEqual([
      [0, 'eddsa-rdfc-2022', 'passed'],
      [1, 'ecdsa-rdfc-2019', 'passed'],
    ]);
    void ed;
  });

  it('refuses RSA keys (VC-JWT only) and a cryptosuite that does not fit the key', async () => {
    const rsa = makeKey('RSA-2048');
    const cred = sampleCredential(rsa.signer.controller);
    await expect(signDataIntegrity(cred, rsa.signer)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/RSA keys sign VC-JWT only/) });
    const ed = makeKey('Ed25519');
    await expect(signDataIntegrity(cred, ed.signer, { cryptosuite: 'ecdsa-rdfc-2019' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(signDataIntegrity(cred, ed.signer, { created: '2026-01-01 10:00' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses terms the contexts do not define and contexts outside the bundle, with clear messages', async () => {
    const key = makeKey('Ed25519');
    const cred = sampleCredential(key.signer.controller);
    await expect(signDataIntegrity({ ...cred, favouriteColour: 'green' }, key.signer)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('"favouriteColour" is not defined'),
    });
    await expect(signDataIntegrity({ ...cred, type: ['VerifiableCredential', '1EdTechRevocationList'] }, key.signer)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('type "1EdTechRevocationList" is not defined'),
    });
    const ctx = [...(cred['@context'] as string[]), 'https://example.org/my-context.json'];
    await expect(signDataIntegrity({ ...cred, '@context': ctx }, key.signer)).rejects.toMatchObject({
      code: 'NETWORK_REFUSED',
      message: expect.stringContaining('https://example.org/my-context.json is not in'),
    });
  });

  it('refuses a signer whose signature its own public key rejects', async () => {
    const key = makeKey('P-256');
    const der = { ...key.signer, sign: async () => new Uint8Array(70).fill(1) };
    await expect(signDataIntegrity(sampleCredential(key.signer.controller), der)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('batch signer gives the same result as signDataIntegrity', async () => {
    const key = makeKey('Ed25519');
    const cred = sampleCredential(key.signer.controller);
    const sign = createDataIntegritySigner(key.signer);
    const a = await sign(cred, { created: '2026-03-01T00:00:00Z' });
    const b = await signDataIntegrity(cred, key.signer, { created: '2026-03-01T00:00:00Z' });
    expect(a).toEqual(b); // Ed25519 is deterministic
    expect(() => createDataIntegritySigner(makeKey('RSA-2048').signer)).toThrow(LaurelError);
  });
});

describe('verifyDataIntegrity', () => {
  const issuer = 'https://example.edu/issuers/565049';

  it('fails a key whose controller is not the issuer', async () => {
    const other = makeKey('Ed25519', 'issuer-fragment', 'https://other.example/issuers/9');
    const signed = await signDataIntegrity(sampleCredential(issuer), other.signer);
    const [r] = await verifyDataIntegrity(signed, makeResolver());
    expect(r).toMatchObject({ status: 'failed', keyBound: false, controller: 'https://other.example/issuers/9', reason: expect.stringContaining('not bound to the issuer') });
    // did:key signer for an https issuer: same failure.
    const didKey = makeKey('Ed25519');
    const [r2] = await verifyDataIntegrity(await signDataIntegrity(sampleCredential(issuer), didKey.signer), makeResolver());
    expect(r2).toMatchObject({ status: 'failed', reason: expect.stringContaining('not bound to the issuer') });
    // …unless the caller names that controller explicitly.
    const [r3] = await verifyDataIntegrity(signed, makeResolver(), { expectedController: 'https://other.example/issuers/9' });
    expect(r3?.status).toBe('passed');
  });

  it('accepts issuer as a plain string', async () => {
    const key = makeKey('Ed25519');
    const signed = await signDataIntegrity(sampleCredential(key.signer.controller, { issuer: key.signer.controller }), key.signer);
    expect((await verifyDataIntegrity(signed, makeResolver()))[0]?.status).toBe('passed');
  });

  it('requires proofPurpose assertionMethod', async () => {
    const key = makeKey('Ed25519');
    const cred = sampleCredential(key.signer.controller);
    // A correctly signed proof with another purpose: still refused.
    const proof: JsonObject = { type: 'DataIntegrityProof', created: '2026-01-01T00:00:00Z', verificationMethod: key.signer.verificationMethod, cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'authentication' };
    proof.proofValue = multibaseEncode(await key.signer.sign(hashForProof(await canonicalizeForProof(cred, proof)).hashData));
    const [r] = await verifyDataIntegrity({ ...cred, proof: [proof] }, makeResolver());
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('assertionMethod') });
  });

  it('accepts the legacy name eddsa-2022 for the same algorithm, but a relabelled proof fails', async () => {
    const key = makeKey('Ed25519');
    const cred = sampleCredential(key.signer.controller);
    const proof: JsonObject = { type: 'DataIntegrityProof', created: '2023-01-01T00:00:00Z', verificationMethod: key.signer.verificationMethod, cryptosuite: 'eddsa-2022', proofPurpose: 'assertionMethod' };
    proof.proofValue = multibaseEncode(await key.signer.sign(hashForProof(await canonicalizeForProof(cred, proof)).hashData));
    const [ok] = await verifyDataIntegrity({ ...cred, proof }, makeResolver());
    expect(ok).toMatchObject({ proofIndex: 0, cryptosuite: 'eddsa-2022', status: 'passed' });
    // The cryptosuite name is part of the signed proof options, so renaming it breaks the signature.
    const [relabelled] = await verifyDataIntegrity({ ...cred, proof: { ...proof, cryptosuite: 'eddsa-rdfc-2022' } }, makeResolver());
    expect(relabelled?.status).toBe('failed');
  });

  it('reports unsupported proofs as unknown without failing the others', async () => {
    const key = makeKey('Ed25519');
    const signed = await signDataIntegrity(sampleCredential(key.signer.controller), key.signer);
    const extra = [
      { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', proofPurpose: 'assertionMethod', verificationMethod: 'did:example:1#k', proofValue: 'u2V0' },
      { type: 'JsonWebSignature2020', proofPurpose: 'assertionMethod', verificationMethod: 'did:example:1#k', jws: 'x..y' },
      'not an object',
    ];
    const results = await verifyDataIntegrity({ ...signed, proof: [...(signed.proof as JsonObject[]), ...extra] }, makeResolver());
    expect(results.map((r) => r.status)).toEqual(['passed', 'unknown', 'unknown', 'failed']);
    expect(results[1]?.reason).toMatch(/ecdsa-sd-2023/);
    expect(results[2]?.reason).toMatch(/JsonWebSignature2020 is not supported/);
  });

  it('mismatched key type fails', async () => {
    const ed = makeKey('Ed25519', 'issuer-fragment', issuer);
    const p256 = makeKey('P-256', 'issuer-fragment', issuer);
    const signed = await signDataIntegrity(sampleCredential(issuer), ed.signer);
    const proof = { ...(signed.proof as JsonObject[])[0]!, verificationMethod: p256.signer.verificationMethod };
    const [r] = await verifyDataIntegrity({ ...signed, proof: [proof] }, makeResolver());
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('needs an Ed25519 key') });
  });

  it("says 'unknown' when the key cannot be fetched and 'failed' when resolution breaks", async () => {
    const key = makeKey('Ed25519', 'issuer-fragment', issuer);
    const signed = await signDataIntegrity(sampleCredential(issuer), key.signer);
    const offline = async () => {
      throw new LaurelError('NETWORK_REFUSED', 'offline');
    };
    const [r1] = await verifyDataIntegrity(signed, offline);
    expect(r1).toMatchObject({ status: 'unknown', reason: expect.stringContaining("could not fetch the issuer's key") });
    const missing = async () => {
      throw new LaurelError('NOT_FOUND', 'no such DID document');
    };
    expect((await verifyDataIntegrity(signed, missing))[0]?.status).toBe('unknown');
    const unsupported = async () => {
      throw new LaurelError('UNSUPPORTED', "DID method 'did:ion' is not supported");
    };
    expect((await verifyDataIntegrity(signed, unsupported))[0]).toMatchObject({ status: 'unknown', reason: expect.stringContaining('did:ion') });
    const broken = async () => {
      throw new LaurelError('INVALID_INPUT', 'malformed DID document');
    };
    expect((await verifyDataIntegrity(signed, broken))[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('malformed DID document') });
  });

  it('turns JSON-LD problems into plain reasons: undefined term → failed, unknown context → unknown', async () => {
    const key = makeKey('Ed25519');
    const signed = await signDataIntegrity(sampleCredential(key.signer.controller), key.signer);
    const [r1] = await verifyDataIntegrity({ ...signed, favouriteColour: 'green' }, makeResolver());
    expect(r1).toMatchObject({ status: 'failed', reason: expect.stringContaining('"favouriteColour" is not defined') });
    const ctx = [...(signed['@context'] as string[]), 'https://example.org/my-context.json'];
    const [r2] = await verifyDataIntegrity({ ...signed, '@context': ctx }, makeResolver());
    expect(r2).toMatchObject({ status: 'unknown', reason: expect.stringContaining('https://example.org/my-context.json is not in') });
  });

  it('returns an empty list for a credential without proof', async () => {
    expect(await verifyDataIntegrity(sampleCredential(issuer), makeResolver())).toEqual([]);
  });

  it('verifies an Ed25519Signature2020 proof made by the DCC jsonld-signatures suite (VC 1.1 and 2.0)', async () => {
    const key = makeKey('Ed25519');
    const did = key.signer.controller;
    const v1 = {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', 'https://w3id.org/security/suites/ed25519-2020/v1'],
      id: 'urn:uuid:0b7f3a8e-1c45-4c0e-9b0a-6b1a7d1b2c3d',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: did, type: 'Profile', name: 'Legacy Issuer' },
      issuanceDate: '2023-05-01T00:00:00Z',
      name: 'Legacy Badge',
      credentialSubject: { id: 'did:example:subject', type: 'AchievementSubject', achievement: { id: 'urn:uuid:a1', type: 'Achievement', name: 'Legacy', description: 'd', criteria: { narrative: 'n' } } },
    };
    const v2 = { ...sampleCredential(did), '@context': [...(sampleCredential(did)['@context'] as string[]), 'https://w3id.org/security/suites/ed25519-2020/v1'] };
    for (const doc of [v1, v2]) {
      const suite = new Ed25519Signature2020({
        signer: { id: key.signer.verificationMethod, algorithm: 'Ed25519', sign: ({ data }) => key.signer.sign(data) },
        date: '2023-05-01T00:00:00Z',
      });
      const signed = await jsigs.sign(clone(doc), { suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader: documentLoader('sign') });
      expect((signed.proof as JsonObject).type).toBe('Ed25519Signature2020');
      const [r] = await verifyDataIntegrity(signed, makeResolver());
      expect(r, r?.reason).toMatchObject({ type: 'Ed25519Signature2020', cryptosuite: null, status: 'passed' });
      const tampered = { ...signed, name: 'Legacy Badgf' };
      expect((await verifyDataIntegrity(tampered, makeResolver()))[0]?.status).toBe('failed');
    }
  });
});
