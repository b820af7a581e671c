/**
 * Numbered migrations, applied in order on open. Never edit a migration that has shipped: add the
 * next number. `PRAGMA user_version` records the last one applied.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Work SQL cannot do (decoding a VC-JWT), run after `sql` in the same transaction. */
  run?: (db: Db) => void;
}

import type { Db } from './index.ts';
import { subjectNameOf } from './credentials.ts';

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
  {
    version: 2,
    name: 'achievements (versioned), recipients, batches, status lists',
    sql: `
      CREATE TABLE achievements (
        rowid_pk       INTEGER PRIMARY KEY,
        achievement_id TEXT NOT NULL,                   -- the Achievement's own id, stable across versions
        version        INTEGER NOT NULL,
        json           TEXT NOT NULL,                   -- the built Achievement
        sha256         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        UNIQUE (achievement_id, version)
      );
      CREATE TRIGGER achievements_frozen BEFORE UPDATE OF json, sha256, achievement_id, version ON achievements
        WHEN EXISTS (SELECT 1 FROM credentials WHERE achievement_rowid = OLD.rowid_pk)
        BEGIN SELECT RAISE(ABORT, 'this achievement version has issued credentials; save a new version instead'); END;

      CREATE TABLE recipients (
        rowid_pk    INTEGER PRIMARY KEY,
        name        TEXT,
        email       TEXT,                               -- as written
        email_key   TEXT,                               -- lowercased, for matching
        did         TEXT,
        learner_id  TEXT,
        created_at  TEXT NOT NULL
      );
      CREATE INDEX recipients_email ON recipients(email_key);

      CREATE TABLE batches (
        id                TEXT PRIMARY KEY,             -- uuid
        issuer_id         TEXT NOT NULL REFERENCES issuers(id),
        achievement_rowid INTEGER NOT NULL REFERENCES achievements(rowid_pk),
        state             TEXT NOT NULL CHECK (state IN ('prepared', 'running', 'paused', 'cancelled', 'completed', 'failed')),
        options_json      TEXT NOT NULL,                -- formats, identity mode, export folder, image…
        roster_sha256     TEXT,
        total             INTEGER NOT NULL,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL
      );

      CREATE TABLE batch_items (
        batch_id        TEXT NOT NULL REFERENCES batches(id),
        seq             INTEGER NOT NULL,               -- order in the roster
        line            INTEGER,                        -- roster line, for messages
        recipient_rowid INTEGER REFERENCES recipients(rowid_pk),
        row_json        TEXT NOT NULL,                  -- the checked roster row
        credential_id   TEXT NOT NULL UNIQUE,           -- assigned before signing, so a resume re-uses it
        state           TEXT NOT NULL CHECK (state IN ('pending', 'signed', 'exported', 'skipped', 'failed')),
        credential_rowid INTEGER REFERENCES credentials(rowid_pk),
        error           TEXT,
        PRIMARY KEY (batch_id, seq)
      );
      CREATE INDEX batch_items_state ON batch_items(batch_id, state);

      ALTER TABLE credentials ADD COLUMN batch_id TEXT REFERENCES batches(id);
      ALTER TABLE credentials ADD COLUMN achievement_rowid INTEGER REFERENCES achievements(rowid_pk);
      ALTER TABLE credentials ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'suspended'));
      CREATE UNIQUE INDEX credentials_one_per_batch_item ON credentials(batch_id, credential_id) WHERE batch_id IS NOT NULL;

      ALTER TABLE issuers ADD COLUMN status_list_base_url TEXT;   -- where the user hosts status lists

      CREATE TABLE status_lists (
        id          TEXT PRIMARY KEY,                   -- the status list credential URL
        issuer_id   TEXT NOT NULL REFERENCES issuers(id),
        purpose     TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        size        INTEGER NOT NULL,                   -- bits; at least 131072 (16 KiB)
        next_index  INTEGER NOT NULL DEFAULT 0,
        bits        BLOB NOT NULL,                      -- the current bitstring, uncompressed
        updated_at  TEXT NOT NULL
      );

      CREATE TABLE status_entries (
        list_id       TEXT NOT NULL REFERENCES status_lists(id),
        status_index  INTEGER NOT NULL,
        credential_id TEXT NOT NULL,                    -- assigned before signing
        PRIMARY KEY (list_id, status_index),            -- an index is never used twice
        UNIQUE (credential_id, list_id)
      );
    `,
  },
  {
    version: 3,
    name: 'batch credentials in two forms (JSON and VC-JWT); export records per batch item',
    sql: `
      -- A learner's credential may be issued both as JSON (embedded proof) and as a VC-JWT: two
      -- rows with the same credential id, one per format. Still never two of the same format.
      DROP INDEX credentials_one_per_batch_item;
      CREATE UNIQUE INDEX credentials_one_per_batch_item ON credentials(batch_id, credential_id, format) WHERE batch_id IS NOT NULL;

      -- What was written for an exported item: [{file, format, sha256, bytes}], for the manifest.
      ALTER TABLE batch_items ADD COLUMN files_json TEXT;
    `,
  },
  {
    version: 4,
    name: 'publishing hosts (OB 3.0 / CLR 2.0 API), publish attempts and what is where',
    sql: `
      -- A host a learner keeps credentials in. Client secrets and tokens are never here: they are
      -- in the OS keychain (or the encrypted secrets file), found by secret_ref.
      CREATE TABLE hosts (
        id               TEXT PRIMARY KEY,              -- uuid
        name             TEXT NOT NULL UNIQUE COLLATE NOCASE, -- short handle for the CLI
        base_url         TEXT NOT NULL UNIQUE,          -- https://host (the API is under /ims/…)
        title            TEXT NOT NULL,                 -- discovery info.title
        image            TEXT,                          -- x-imssf-image (URL or data: URI)
        terms_url        TEXT NOT NULL,                 -- info.termsOfService
        privacy_url      TEXT NOT NULL,                 -- x-imssf-privacyPolicyUrl
        discovery_json   TEXT NOT NULL,                 -- per API: endpoints, scopes, ETag, freshness
        state            TEXT NOT NULL CHECK (state IN ('added', 'registered', 'connected', 'needs-reconnect')),
        client_id        TEXT,                          -- from dynamic registration (not a secret)
        redirect_uri     TEXT,                          -- the loopback redirect registered
        registration_json TEXT,                         -- what the host echoed, minus the secret
        secret_ref       TEXT,                          -- name of the secret item; never the secret
        secret_store     TEXT,                          -- 'keychain' or 'file:<key file>'
        granted_scope    TEXT,                          -- space-separated, as the host granted
        token_expires_at TEXT,
        connected_at     TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL
      );

      -- Every attempt, in order: each HTTP upsert (retries included) and each read-back check.
      CREATE TABLE publish_attempts (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        host_id          TEXT NOT NULL REFERENCES hosts(id),
        credential_rowid INTEGER NOT NULL REFERENCES credentials(rowid_pk),
        credential_id    TEXT NOT NULL,
        api              TEXT NOT NULL CHECK (api IN ('ob', 'clr')),
        operation        TEXT NOT NULL CHECK (operation IN ('upsert', 'read-back')),
        at               TEXT NOT NULL,
        http_status      INTEGER,                       -- null when the host did not answer
        result           TEXT NOT NULL,                 -- created, replaced, unchanged, confirmed, missing, rate-limited, failed …
        detail           TEXT
      );
      CREATE INDEX publish_attempts_credential ON publish_attempts(credential_id, host_id);

      -- What is where: one row per host and credential (by credential id: its JSON and VC-JWT
      -- forms are the same credential to a host). 'published' only after a read-back found it.
      CREATE TABLE publications (
        host_id          TEXT NOT NULL REFERENCES hosts(id),
        credential_id    TEXT NOT NULL,
        credential_rowid INTEGER NOT NULL REFERENCES credentials(rowid_pk),
        api              TEXT NOT NULL CHECK (api IN ('ob', 'clr')),
        state            TEXT NOT NULL CHECK (state IN ('sent', 'published', 'failed')),
        http_status      INTEGER,
        detail           TEXT,
        sent_at          TEXT,
        confirmed_at     TEXT,
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (host_id, credential_id)
      );
      CREATE INDEX publications_credential ON publications(credential_id);
    `,
  },
  {
    version: 5,
    name: 'skill frameworks (CASE trees, versions) and CLR 2.0 records',
    sql: `
      -- A skill framework (a CASE CFDocument): a tree of competencies the achievements align to.
      CREATE TABLE frameworks (
        id               TEXT PRIMARY KEY,              -- CFDocument identifier (a UUID)
        uri              TEXT NOT NULL,                 -- CFDocument uri (what alignments name as targetFramework's home)
        title            TEXT NOT NULL,
        creator          TEXT NOT NULL,
        description      TEXT,
        language         TEXT,
        version          TEXT,                          -- CFDocument version, as the author writes it
        source           TEXT NOT NULL CHECK (source IN ('studio', 'case', 'csv', 'ctdl')),
        extra_json       TEXT NOT NULL DEFAULT '{}',    -- other CFDocument fields, kept for export
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL
      );

      -- One competency (CFItem) of a framework; the tree is parent_id + position.
      CREATE TABLE framework_items (
        framework_id     TEXT NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
        id               TEXT NOT NULL,                 -- CFItem identifier
        uri              TEXT NOT NULL,
        parent_id        TEXT,                          -- NULL: a top-level item (child of the document)
        position         INTEGER NOT NULL,              -- order among siblings (CASE sequenceNumber)
        code             TEXT,                          -- humanCodingScheme
        statement        TEXT NOT NULL,                 -- fullStatement
        description      TEXT,                          -- notes
        item_type        TEXT,                          -- CFItemType
        language         TEXT,
        child_assoc_id   TEXT NOT NULL,                 -- identifier of its isChildOf association (kept for round trips)
        extra_json       TEXT NOT NULL DEFAULT '{}',
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (framework_id, id)
      );
      CREATE INDEX framework_items_parent ON framework_items(framework_id, parent_id, position);

      -- CASE associations other than the tree (exactMatchOf, isRelatedTo, …), kept as imported.
      CREATE TABLE framework_associations (
        framework_id     TEXT NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
        id               TEXT NOT NULL,
        json             TEXT NOT NULL,                 -- the CFAssociation as imported
        PRIMARY KEY (framework_id, id)
      );

      -- A frozen version of a framework: its CFPackage as exported at that moment.
      CREATE TABLE framework_versions (
        framework_id     TEXT NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
        version          INTEGER NOT NULL,
        label            TEXT,
        package_json     TEXT NOT NULL,
        sha256           TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        PRIMARY KEY (framework_id, version)
      );

      -- A signed ClrCredential (its bytes are in credentials): what it bundles, for lists.
      CREATE TABLE clrs (
        credential_rowid INTEGER PRIMARY KEY REFERENCES credentials(rowid_pk),
        credential_id    TEXT NOT NULL,
        name             TEXT NOT NULL,
        learner          TEXT NOT NULL,                 -- the recipient as given (e-mail or DID)
        partial          INTEGER NOT NULL DEFAULT 0,
        credentials      INTEGER NOT NULL,              -- bundled credentials
        achievements     INTEGER NOT NULL,              -- grouping achievements
        associations     INTEGER NOT NULL,
        inner_json       TEXT NOT NULL,                 -- [{id, issuer, achievementId, name}]
        batch_id         TEXT,                          -- a roster run, when made by one
        created_at       TEXT NOT NULL
      );
      CREATE INDEX clrs_learner ON clrs(learner);
    `,
  },
  {
    version: 6,
    name: 'endorsements received for our achievements and profiles; OB 2.0 badges upgraded to OB 3.0',
    sql: `
      -- An EndorsementCredential someone else signed about one of our achievements or issuer
      -- profiles, verified when attached, stored verbatim, embedded in credentials issued later.
      CREATE TABLE received_endorsements (
        rowid_pk       INTEGER PRIMARY KEY,
        target_kind    TEXT NOT NULL CHECK (target_kind IN ('achievement', 'profile')),
        target_id      TEXT NOT NULL,                   -- the achievement id or our issuer id (= its subject id)
        endorsement_id TEXT NOT NULL,                   -- the EndorsementCredential's own id
        endorser_id    TEXT NOT NULL,
        endorser_name  TEXT,
        format         TEXT NOT NULL CHECK (format IN ('json', 'jwt')),
        body           BLOB NOT NULL,                   -- the signed bytes, verbatim
        sha256         TEXT NOT NULL,
        comment        TEXT,                            -- endorsementComment (Markdown), for lists
        valid_until    TEXT,
        verified_at    TEXT NOT NULL,
        detached_at    TEXT,                            -- set when no longer embedded
        created_at     TEXT NOT NULL,
        UNIQUE (target_kind, target_id, endorsement_id, format)
      );
      CREATE INDEX received_endorsements_target ON received_endorsements(target_kind, target_id);
      CREATE TRIGGER received_endorsements_frozen BEFORE UPDATE OF body, sha256, endorsement_id, format, target_id ON received_endorsements
        BEGIN SELECT RAISE(ABORT, 'a received endorsement is never edited; detach it and attach another'); END;

      -- Where an upgraded credential came from: the OB 2.0 assertion as read, and how it was checked.
      CREATE TABLE ob2_upgrades (
        rowid_pk          INTEGER PRIMARY KEY,
        credential_rowid  INTEGER NOT NULL REFERENCES credentials(rowid_pk),
        assertion_id      TEXT NOT NULL,                -- the OB 2.0 assertion id (hosted URL or urn)
        badge_class_id    TEXT,
        original_issuer   TEXT,                         -- the OB 2.0 issuer id
        verification      TEXT NOT NULL CHECK (verification IN ('hosted', 'signed', 'unchecked')),
        original          BLOB NOT NULL,                -- the assertion as read (JSON text or JWS)
        created_at        TEXT NOT NULL
      );
      CREATE INDEX ob2_upgrades_assertion ON ob2_upgrades(assertion_id);
    `,
  },
  {
    version: 7,
    name: 'air-gapped signing: signing requests and bundles, workspace settings',
    sql: `
      -- Settings of this workspace (air-gapped mode, the workspace's own id named in requests).
      CREATE TABLE workspace_settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      -- A signing request as the preparer wrote it or the signer opened it (one row per role).
      CREATE TABLE signing_requests (
        request_id     TEXT NOT NULL,                   -- urn:uuid, named in the request file
        role           TEXT NOT NULL CHECK (role IN ('preparer', 'signer')),
        batch_id       TEXT REFERENCES batches(id),     -- preparer: the batch it asks to sign
        issuer_id      TEXT NOT NULL,
        digest         TEXT NOT NULL,                   -- SHA-256 over the request's canonical bytes
        state          TEXT NOT NULL CHECK (state IN ('awaiting-signature', 'superseded', 'signed', 'imported', 'reviewed', 'approved', 'rejected')),
        preparer       TEXT NOT NULL,                   -- the preparing workspace's id
        achievement_id TEXT,
        achievement_sha256 TEXT,
        achievement_version INTEGER,
        count          INTEGER NOT NULL,
        body           BLOB NOT NULL,                   -- the request file, verbatim
        bundle_id      TEXT,                            -- the signed bundle made (signer) or imported (preparer)
        bundle_sha256  TEXT,
        bundle         BLOB,                            -- signer: the bundle, to hand out again
        note           TEXT,                            -- a rejection's reason, a superseding request …
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        PRIMARY KEY (request_id, role)
      );
      CREATE INDEX signing_requests_batch ON signing_requests(batch_id);
      CREATE INDEX signing_requests_preparer ON signing_requests(preparer, achievement_id);

      -- Where a batch signed elsewhere stands: prepared, awaiting signature, signed (bundle
      -- imported and stored), imported (exported as if signed here). NULL: signed here.
      ALTER TABLE batches ADD COLUMN signing TEXT CHECK (signing IN ('prepared', 'awaiting-signature', 'signed', 'imported'));
    `,
  },
  {
    version: 8,
    name: 'credentials list at 100,000 rows: learner name and first-form flag stored, indexes',
    sql: `
      -- The learner's name as the credential states it (credentialSubject.name), set on insert:
      -- search reads it instead of parsing every stored credential.
      ALTER TABLE credentials ADD COLUMN learner_name TEXT;
      -- 1 on the first form stored under a credential id (the one the list shows), 0 on later forms.
      ALTER TABLE credentials ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;
      UPDATE credentials SET listed = 0
        WHERE EXISTS (SELECT 1 FROM credentials c2 WHERE c2.credential_id = credentials.credential_id AND c2.rowid_pk < credentials.rowid_pk);
      UPDATE credentials SET learner_name = COALESCE(
          (SELECT r.name FROM batch_items bi JOIN recipients r ON r.rowid_pk = bi.recipient_rowid WHERE bi.credential_id = credentials.credential_id),
          CASE WHEN format = 'json' AND json_valid(CAST(body AS TEXT)) AND json_type(CAST(body AS TEXT), '$.credentialSubject.name') = 'text'
               THEN json_extract(CAST(body AS TEXT), '$.credentialSubject.name') END);
      -- Paging, text search and counts read these indexes only, never the stored bodies.
      CREATE INDEX credentials_list ON credentials(listed, rowid_pk, recipient, learner_name, credential_id);
      CREATE INDEX credentials_list_status ON credentials(listed, status, rowid_pk);
      CREATE INDEX credentials_batch ON credentials(batch_id);
      CREATE INDEX credentials_achievement ON credentials(achievement_rowid);
      CREATE INDEX credentials_reissue_of ON credentials(reissue_of);
    `,
    run: (db) => {
      // VC-JWT names are in the base64url payload, which SQL cannot decode.
      const set = db.prepare('UPDATE credentials SET learner_name = ? WHERE rowid_pk = ?');
      for (const r of db.prepare("SELECT rowid_pk, body FROM credentials WHERE learner_name IS NULL AND format = 'jwt'").all() as Array<{ rowid_pk: number; body: Buffer }>) {
        const name = subjectNameOf(r.body.toString('utf8'), 'jwt');
        if (name !== null) set.run(name, r.rowid_pk);
      }
    },
  },
];
