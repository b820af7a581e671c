import type { Db } from './index.ts';
import type { KeyAlgorithm } from '../keys/types.ts';

export interface IssuerRecord {
  id: string;
  name: string;
  didMethod: 'key' | 'web' | 'url';
  profile: Record<string, unknown>;
  keyRef: string;
  keyAlgorithm: KeyAlgorithm;
  verificationMethod: string;
  publicKeyMultibase: string;
  keystore: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  name: string;
  did_method: IssuerRecord['didMethod'];
  profile_json: string;
  key_ref: string;
  key_algorithm: KeyAlgorithm;
  verification_method: string;
  public_key_multibase: string;
  keystore: string;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): IssuerRecord => ({
  id: r.id,
  name: r.name,
  didMethod: r.did_method,
  profile: JSON.parse(r.profile_json) as Record<string, unknown>,
  keyRef: r.key_ref,
  keyAlgorithm: r.key_algorithm,
  verificationMethod: r.verification_method,
  publicKeyMultibase: r.public_key_multibase,
  keystore: r.keystore,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function insertIssuer(db: Db, rec: IssuerRecord): void {
  db.prepare(
    `INSERT INTO issuers (id, name, did_method, profile_json, key_ref, key_algorithm, verification_method,
       public_key_multibase, keystore, created_at, updated_at)
     VALUES (@id, @name, @didMethod, @profile, @keyRef, @keyAlgorithm, @verificationMethod,
       @publicKeyMultibase, @keystore, @createdAt, @updatedAt)`,
  ).run({ ...rec, profile: JSON.stringify(rec.profile) });
}

export function getIssuer(db: Db, id: string): IssuerRecord | undefined {
  const r = db.prepare('SELECT * FROM issuers WHERE id = ?').get(id) as Row | undefined;
  return r && fromRow(r);
}

export function listIssuers(db: Db): IssuerRecord[] {
  return (db.prepare('SELECT * FROM issuers ORDER BY created_at, id').all() as Row[]).map(fromRow);
}
