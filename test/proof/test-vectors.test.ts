import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalizeForProof, hashForProof, signDataIntegrity, verifyDataIntegrity } from '../../core/proof/index.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { checkSignature } from '../../core/proof/data-integrity.ts';
import { multibaseEncode } from '../../core/util/encoding.ts';
import { keyFromEd25519Seed, makeResolver, publicKeyFromMultikey } from './helpers.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/spec');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

interface Vector {
  privateKeyHex: string;
  verificationMethod: string;
  controller: string;
  proofConfigBeforeSigning?: Record<string, unknown>;
  documentHashHex: string;
  proofHashHex: string;
  dataToSignHex: string;
  signatureHex: string;
  proofValue: string;
}

const cases = [
  { name: 'OB 3.0', dir: 'ob3/examples/test-vectors', unsigned: 'eddsa-rdfc-2022-credential-unsigned.json', signed: 'eddsa-rdfc-2022-credential-signed.json' },
  { name: 'CLR 2.0', dir: 'clr2/examples/test-vectors', unsigned: 'eddsa-rdfc-2022-clrcredential-unsigned.json', signed: 'eddsa-rdfc-2022-clrcredential-signed.json' },
];

describe.each(cases)('$name eddsa-rdfc-2022 test vector', ({ dir, unsigned, signed }) => {
  const base = path.join(SHARED, dir);
  const vector = readJson(path.join(base, 'eddsa-rdfc-2022-test-vector.json')) as unknown as Vector;
  const unsignedDoc = readJson(path.join(base, unsigned));
  const signedDoc = readJson(path.join(base, signed));
  const signedProof = (Array.isArray(signedDoc.proof) ? signedDoc.proof[0] : signedDoc.proof) as Record<string, unknown>;
  // The CLR vector has no proofConfigBeforeSigning: it is the signed proof without proofValue.
  const { proofValue: _pv, ...proofConfig } = vector.proofConfigBeforeSigning ?? signedProof;
  const key = keyFromEd25519Seed(vector.privateKeyHex.slice(0, 64), vector.verificationMethod, vector.controller);

  it('canonicalizes proof options and document to the published N-Quads', async () => {
    const canon = await canonicalizeForProof(unsignedDoc, proofConfig);
    expect(canon.proofCanon).toBe(readFileSync(path.join(base, 'eddsa-rdfc-2022-proof-canon.nq'), 'utf8'));
    expect(canon.documentCanon).toBe(readFileSync(path.join(base, 'eddsa-rdfc-2022-document-canon.nq'), 'utf8'));
    // The signed file minus its proof canonicalizes the same way.
    expect((await canonicalizeForProof(signedDoc, proofConfig)).documentCanon).toBe(canon.documentCanon);
  });

  it('hashes to the published proofHash, documentHash and hashData', async () => {
    const h = hashForProof(await canonicalizeForProof(unsignedDoc, proofConfig));
    expect(hex(h.proofHash)).toBe(vector.proofHashHex);
    expect(hex(h.documentHash)).toBe(vector.documentHashHex);
    expect(hex(h.hashData)).toBe(vector.dataToSignHex);
  });

  it('signs to the identical proofValue (Ed25519 is deterministic)', async () => {
    const before = blockedCalls.length;
    const out = await signDataIntegrity(unsignedDoc, key.signer, { created: proofConfig.created as string });
    const proofs = out.proof as Array<Record<string, unknown>>;
    expect(proofs).toHaveLength(1);
    expect(proofs[0]).toEqual(signedProof);
    expect(proofs[0]!.proofValue).toBe(vector.proofValue);
    // Key order of the proof matches the spec's files too.
    expect(Object.keys(proofs[0]!)).toEqual(Object.keys(signedProof));
    expect(Buffer.from((await key.signer.sign(Buffer.from(vector.dataToSignHex, 'hex')))).toString('hex')).toBe(vector.signatureHex);
    expect(blockedCalls.length).toBe(before);
  });

  it('verifies the published signed credential', async () => {
    const results = await verifyDataIntegrity(signedDoc, makeResolver());
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ proofIndex: 0, type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', status: 'passed', controller: vector.controller });
  });
});

describe('CLR test vector inner credentials', () => {
  it('each embedded AchievementCredential verifies on its own', async () => {
    const clr = readJson(path.join(SHARED, 'clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-signed.json'));
    const inner = (clr.credentialSubject as { verifiableCredential: Array<Record<string, unknown>> }).verifiableCredential;
    expect(inner.length).toBeGreaterThan(0);
    for (const vc of inner) {
      const [r] = await verifyDataIntegrity(vc, makeResolver());
      expect(r, JSON.stringify(r)).toMatchObject({ status: 'passed' });
    }
  });
});

describe('W3C vc-di-ecdsa ecdsa-rdfc-2019 P-256 vector (signature step)', () => {
  // From w3c/vc-di-ecdsa TestVectors (ecdsa-rdfc-2019-p256, p256KeyPair.json). Its canonical forms
  // were made with a 2023 draft of the VC 2.0 context (cryptosuite not yet typed), so only the
  // signature step is compared: ECDSA with SHA-256 over the 64-byte hashData, r||s, multibase.
  const publicKeyMultibase = 'zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP';
  const hashData = '3a8a522f689025727fb9d1f0fa99a618da023e8494ac74f51015d009d35abc2e517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017';
  const signatureHex = '1cb4290918ffb04a55ff7ae1e55e316a9990fda8eec67325eac7fcbf2ddf9dd2b06716a657e72b284c9604df3a172ecbf06a1a475b49ac807b1d9162df855636';
  const proofValue = 'zaHXrr7AQdydBk3ahpCDpWbxfLokDqmCToYm2dyWvpcFVyWooC2he63w1f7UNQoAMKdhaRtcnaE2KTo5o5vTCcfw';

  it('verifies with our ecdsa-p256 signature check', () => {
    const { keyObject } = publicKeyFromMultikey(publicKeyMultibase);
    const sig = Buffer.from(signatureHex, 'hex');
    expect(multibaseEncode(sig)).toBe(proofValue);
    expect(checkSignature('ecdsa-p256', keyObject, Buffer.from(hashData, 'hex'), sig)).toBe(true);
    const other = Buffer.from(hashData, 'hex');
    other[0]! ^= 1;
    expect(checkSignature('ecdsa-p256', keyObject, other, sig)).toBe(false);
  });
});
