/**
 * Interop: credentials we sign with eddsa-rdfc-2022 must pass an independent verifier, the Digital
 * Credentials Consortium's @digitalcredentials/verifier-core (Digital Bazaar jsonld-signatures
 * stack, its own bundled contexts and did:key resolver). It has no ECDSA and no JWT support, and
 * it cannot resolve an https issuer's key offline, so the issuer here is a did:key.
 *
 * What its result looks like (read from dist/Verify.js): a fatal problem gives
 * `{ credential, errors: [{ name, message }] }` (e.g. name 'invalid_signature'); otherwise
 * `{ credential, log: [{ id: 'valid_signature' | 'expiration' | 'revocation_status' | 'registered_issuer', valid }],
 *    additionalInformation: [{ id: 'schema_check', results }] }`. The schema check fetches the OB
 * JSON Schema from purl.imsglobal.org; the test network guard blocks that, and verifier-core then
 * reports the schema check as not done (advisory, not an error). registered_issuer is false
 * because we pass no DID registries.
 */
import { describe, expect, it } from 'vitest';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { dccStep as step, dccVerify } from '../helpers/verifier-core.ts';
import { clone, makeKey, sampleCredential } from './helpers.ts';

describe('@digitalcredentials/verifier-core accepts our eddsa-rdfc-2022 credentials', () => {
  it('a did:key-issued OpenBadgeCredential verifies, and a tampered copy is rejected', async () => {
    const key = makeKey('Ed25519', 'did:key');
    const blockedBefore = blockedCalls.length;
    const signed = await signDataIntegrity(sampleCredential(key.signer.controller), key.signer);
    expect(blockedCalls.length).toBe(blockedBefore); // our signing made no network call

    const result = await dccVerify(signed);
    expect(result.errors).toBeUndefined();
    expect(step(result, 'valid_signature')).toMatchObject({ valid: true });
    expect(step(result, 'expiration')).toMatchObject({ valid: true });
    // Advisory only: the schema could not be fetched offline.
    expect(result.additionalInformation?.find((a) => a.id === 'schema_check')).toBeTruthy();

    const tampered = clone(signed);
    tampered.name = 'Teamwork Badgf';
    const bad = await dccVerify(tampered);
    expect(bad.errors?.[0]).toMatchObject({ name: 'invalid_signature' });

    const wrongProof = clone(signed);
    const proof = (wrongProof.proof as JsonObject[])[0]!;
    proof.created = '2020-01-01T00:00:00Z';
    expect((await dccVerify(wrongProof)).errors?.[0]).toMatchObject({ name: 'invalid_signature' });
  });

  it('an issuer object, extensions context and credentialSchema also verify', async () => {
    const key = makeKey('Ed25519', 'did:key');
    const cred = sampleCredential(key.signer.controller, {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
        'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
      ],
      credentialSchema: [
        { id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json', type: '1EdTechJsonSchemaValidator2019' },
      ],
      validUntil: '2099-01-01T00:00:00Z',
    });
    const result = await dccVerify(await signDataIntegrity(cred, key.signer, { created: '2026-01-15T10:00:00Z' }));
    expect(result.errors).toBeUndefined();
    expect(step(result, 'valid_signature')).toMatchObject({ valid: true });
  });
});
