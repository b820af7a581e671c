/**
 * Numbered migrations, applied in order on open. Never edit a migration that has shipped: add the
 * next number. `PRAGMA user_version` records the last one applied.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'issuers, credentials, audit log',
    sql: `
      CREATE TABLE issuers (
        id                  TEXT PRIMARY KEY,           -- the issuer id: did:key, did:web or https URL
        name                TEXT NOT NULL,
        did_method          TEXT NOT NULL CHECK (did_method IN ('key', 'web', 'url')),
        profile_json        TEXT NOT NULL,              -- the Profile embedded in credentials
        key_ref             TEXT NOT NULL,              -- reference into the key store; never key material
        key_algorithm       TEXT NOT NULL CHECK (key_algorithm IN ('Ed25519', 'P-256', 'RSA-2048')),
        verification_method TEXT NOT NULL,
        public_key_multibase TEXT NOT NULL,
        keystore            TEXT NOT NULL,              -- 'keychain' or 'file:<path>'
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL
      );

      CREATE TABLE credentials (
        rowid_pk       INTEGER PRIMARY KEY,
        credential_id  TEXT NOT NULL,                   -- the credential's own id (urn:uuid:… or URL)
        issuer_id      TEXT NOT NULL REFERENCES issuers(id),
        recipient      TEXT NOT NULL,                   -- what the user typed: email or DID
        format         TEXT NOT NULL CHECK (format IN ('json', 'jwt')),
        body           BLOB NOT NULL,                   -- the signed bytes, verbatim, never edited
        sha256         TEXT NOT NULL,
        reissue_of     INTEGER REFERENCES credentials(rowid_pk),
        created_at     TEXT NOT NULL
      );
      CREATE INDEX credentials_issuer ON credentials(issuer_id);
      CREATE INDEX credentials_credential_id ON credentials(credential_id);
      CREATE TRIGGER credentials_no_update BEFORE UPDATE OF body, sha256, credential_id, issuer_id, format ON credentials
        BEGIN SELECT RAISE(ABORT, 'signed credentials are never edited; re-issue instead'); END;

      CREATE TABLE audit_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,                       -- OS user and app face (cli, desktop, web)
        action     TEXT NOT NULL,
        subject    TEXT,                                -- what it acted on (issuer id, credential id…)
        sha256     TEXT,                                -- digest of what was signed, when something was
        details    TEXT                                 -- JSON, never secrets
      );
      CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
];
