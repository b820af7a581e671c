// An issuer without its key: exported on the signer, imported on the preparer, so that the
// preparer can build credentials exactly as the signer will sign them. The key never leaves.
import { didKeyIssuer, httpsIssuer, isKeyAlgorithm, publicKeyFromMultibase } from '../keys/index.ts';
import { appendAudit, getIssuer, insertIssuer, type Db, type IssuerRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { FORMAT_VERSION, ISSUER_FORMAT, canonicalJson, digestOf, parseFile, serialize, type Json } from './format.ts';

/** The key store of an issuer whose key lives on another machine (an air-gapped signer). */
export const EXTERNAL_KEYSTORE = 'external';

export interface IssuerExport {
  format: typeof ISSUER_FORMAT;
  version: typeof FORMAT_VERSION;
  exportedAt: string;
  issuer: {
    id: string;
    name: string;
    didMethod: IssuerRecord['didMethod'];
    profile: Record<string, Json>;
    keyAlgorithm: IssuerRecord['keyAlgorithm'];
    verificationMethod: string;
    publicKeyMultibase: string;
  };
  digest: { algorithm: 'sha-256'; canonicalization: 'RFC8785'; value: string };
}

export function exportIssuer(db: Db, actor: string, issuer: IssuerRecord): { doc: IssuerExport; bytes: Uint8Array } {
  const body = {
    format: ISSUER_FORMAT,
    version: FORMAT_VERSION,
    exportedAt: new Date().toISOString(),
    issuer: {
      id: issuer.id,
      name: issuer.name,
      didMethod: issuer.didMethod,
      profile: issuer.profile as Record<string, Json>,
      keyAlgorithm: issuer.keyAlgorithm,
      verificationMethod: issuer.verificationMethod,
      publicKeyMultibase: issuer.publicKeyMultibase,
    },
  } as const;
  const doc: IssuerExport = { ...body, digest: { algorithm: 'sha-256', canonicalization: 'RFC8785', value: digestOf(body) } };
  appendAudit(db, { actor, action: 'issuer.export', subject: issuer.id, sha256: doc.digest.value, details: { verificationMethod: issuer.verificationMethod, privateKey: false } });
  return { doc, bytes: serialize(doc) };
}

/**
 * Imports an issuer export: checks its digest and that the key named is the key given, then stores
 * the issuer with no key (its key store is 'external'). Importing the same export again updates the
 * profile (the signer may have changed it); another key for the same id is refused.
 */
export function importIssuer(db: Db, actor: string, bytes: Uint8Array): { issuer: IssuerRecord; outcome: 'created' | 'updated' | 'unchanged' } {
  const doc = parseFile<IssuerExport>(bytes, ISSUER_FORMAT, 'issuer export');
  const { digest, ...body } = doc;
  if (digest?.value !== digestOf(body)) throw new LaurelError('VALIDATION', 'The issuer export was changed after it was written (its digest does not match); it is refused.');
  const i = doc.issuer;
  if (!i || typeof i.id !== 'string' || typeof i.name !== 'string' || !isKeyAlgorithm(i.keyAlgorithm) || typeof i.publicKeyMultibase !== 'string') {
    throw new LaurelError('INVALID_INPUT', 'The issuer export lacks the issuer id, name, key type or public key.');
  }
  let publicKey;
  try {
    publicKey = publicKeyFromMultibase(i.publicKeyMultibase);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `The issuer export's public key can't be read: ${(e as Error).message}`);
  }
  if (publicKey.algorithm !== i.keyAlgorithm) throw new LaurelError('VALIDATION', `The issuer export says its key is ${i.keyAlgorithm}, but the public key is ${publicKey.algorithm}.`);
  // The key named must be the key given, where the identifier says so.
  const expected = i.didMethod === 'key' ? didKeyIssuer(publicKey) : i.didMethod === 'url' ? httpsIssuer(i.id, publicKey) : undefined;
  if (expected && (expected.issuerId !== i.id || expected.verificationMethod !== i.verificationMethod)) {
    throw new LaurelError('VALIDATION', `The issuer export's identifiers don't belong to its public key (expected ${expected.verificationMethod}).`);
  }
  if (i.didMethod === 'web' && !i.verificationMethod.startsWith(`${i.id}#`)) throw new LaurelError('VALIDATION', `The issuer export's key ${i.verificationMethod} is not a key of ${i.id}.`);
  if (!i.profile || (i.profile as { id?: unknown }).id !== i.id) throw new LaurelError('VALIDATION', 'The issuer export\'s profile is not the profile of its issuer id.');

  const existing = getIssuer(db, i.id);
  const now = new Date().toISOString();
  if (existing) {
    if (existing.verificationMethod !== i.verificationMethod || existing.publicKeyMultibase !== i.publicKeyMultibase) {
      throw new LaurelError('CONFLICT', `This workspace already has ${i.id} with another key (${existing.verificationMethod}); the import is refused.`);
    }
    if (canonicalJson(existing.profile) === canonicalJson(i.profile) && existing.name === i.name) return { issuer: existing, outcome: 'unchanged' };
    db.transaction(() => {
      db.prepare('UPDATE issuers SET name = ?, profile_json = ?, updated_at = ? WHERE id = ?').run(i.name, JSON.stringify(i.profile), now, i.id);
      appendAudit(db, { actor, action: 'issuer.import', subject: i.id, sha256: digest.value, details: { outcome: 'updated' } });
    })();
    return { issuer: getIssuer(db, i.id)!, outcome: 'updated' };
  }
  const record: IssuerRecord = {
    id: i.id,
    name: i.name,
    didMethod: i.didMethod,
    profile: i.profile,
    keyRef: '',
    keyAlgorithm: i.keyAlgorithm,
    verificationMethod: i.verificationMethod,
    publicKeyMultibase: i.publicKeyMultibase,
    keystore: EXTERNAL_KEYSTORE,
    createdAt: now,
    updatedAt: now,
  };
  db.transaction(() => {
    insertIssuer(db, record);
    appendAudit(db, { actor, action: 'issuer.import', subject: i.id, sha256: digest.value, details: { outcome: 'created', verificationMethod: i.verificationMethod, key: 'kept on the signing machine' } });
  })();
  return { issuer: record, outcome: 'created' };
}
