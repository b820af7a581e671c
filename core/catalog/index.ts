/**
 * core/catalog: what the studio's Credentials screen reads. One row per credential (a batch may
 * store a JSON and a VC-JWT form under the same id: the first stored form stands for both), paged
 * and filtered in SQL so a workspace with 100,000 credentials answers a page in milliseconds; a
 * credential's detail (forms, status entries, batch, achievement version, re-issue chain); and the
 * achievements and batches to filter by.
 *
 * Migration 8 stores what the list reads (the learner's name, whether a row is the first form of its
 * id) and indexes it, so paging, search and counts walk indexes and never parse stored bodies.
 */
import { getAchievementVersion, getBatch, getCredentialsById, type Db, type StoredCredential } from '../store/index.ts';
import { statusEntriesOf, type BitstringStatusListEntry, type CredentialState } from '../status/index.ts';
import { LaurelError } from '../util/errors.ts';

export interface CredentialQuery {
  /** Matches the learner's name, their e-mail / DID / learner id, or the credential id (case-insensitive, anywhere). */
  query?: string;
  /** An achievement id: credentials awarding any of its versions. */
  achievement?: string;
  batch?: string;
  status?: CredentialState;
  issuer?: string;
  /** Exactly this credential id (the detail view). */
  id?: string;
  offset?: number;
  limit?: number;
}

export interface CredentialRow {
  credentialId: string;
  rowId: number;
  issuerId: string;
  /** The e-mail, DID or learner id the credential was issued to (as typed or as in the roster). */
  recipient: string;
  learnerName: string | null;
  /** Forms stored: json and/or jwt. */
  formats: Array<'json' | 'jwt'>;
  status: CredentialState;
  createdAt: string;
  batchId: string | null;
  achievement: { id: string; version: number; name: string } | null;
  /** Set on a re-issue: the credential it replaces. */
  replaces: string | null;
  /** A CLR 2.0 record (core/clr): its name; it awards no single achievement. */
  record: string | null;
}

export interface CredentialPage {
  total: number;
  offset: number;
  rows: CredentialRow[];
  /** Time the two queries took, for the UI's "fast with 100,000" promise to be checked. */
  elapsedMs: number;
}

const MAX_LIMIT = 500;

/** LIKE pattern for "contains", with %, _ and \ in the query taken literally. */
function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface PageRow {
  rowid_pk: number;
  credential_id: string;
  issuer_id: string;
  recipient: string;
  format: 'json' | 'jwt';
  status: CredentialState;
  created_at: string;
  batch_id: string | null;
  reissue_of: number | null;
  achievement_id: string | null;
  version: number | null;
  achievement_json: string | null;
  learner_name: string | null;
  record_name: string | null;
}

// The row that stands for a credential: the first form stored under its id (set on insert).
const PRIMARY = 'c.listed = 1';

export function queryCredentials(db: Db, q: CredentialQuery = {}): CredentialPage {
  const started = performance.now();
  const where: string[] = [PRIMARY];
  const params: unknown[] = [];
  const text = q.query?.trim();
  if (text) {
    const like = containsPattern(text);
    where.push(`(c.recipient LIKE ? ESCAPE '\\' OR c.learner_name LIKE ? ESCAPE '\\' OR c.credential_id LIKE ? ESCAPE '\\')`);
    params.push(like, like, like);
  }
  if (q.achievement) {
    where.push('c.achievement_rowid IN (SELECT rowid_pk FROM achievements WHERE achievement_id = ?)');
    params.push(q.achievement);
  }
  if (q.batch) {
    where.push('c.batch_id = ?');
    params.push(q.batch);
  }
  if (q.status) {
    where.push('c.status = ?');
    params.push(q.status);
  }
  if (q.issuer) {
    where.push('c.issuer_id = ?');
    params.push(q.issuer);
  }
  if (q.id) {
    where.push('c.credential_id = ?');
    params.push(q.id);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), MAX_LIMIT);
  const offset = Math.max(q.offset ?? 0, 0);
  const clause = where.join(' AND ');
  const total = (db.prepare(`SELECT count(*) AS n FROM credentials c WHERE ${clause}`).get(...params) as { n: number }).n;
  // The page's ids come from an index alone (OFFSET skips index entries, not joined rows); only
  // the 100 rows shown are joined and read.
  const rows = db
    .prepare(
      `SELECT c.rowid_pk, c.credential_id, c.issuer_id, c.recipient, c.format, c.status, c.created_at, c.batch_id, c.reissue_of,
              a.achievement_id, a.version, a.json AS achievement_json, c.learner_name, k.name AS record_name
       FROM (SELECT c.rowid_pk AS id FROM credentials c WHERE ${clause} ORDER BY c.rowid_pk DESC LIMIT ? OFFSET ?) p
       JOIN credentials c ON c.rowid_pk = p.id
       LEFT JOIN achievements a ON a.rowid_pk = c.achievement_rowid LEFT JOIN clrs k ON k.credential_rowid = c.rowid_pk
       ORDER BY c.rowid_pk DESC`,
    )
    .all(...params, limit, offset) as PageRow[];
  return { total, offset, rows: rows.map((r) => toRow(db, r)), elapsedMs: Math.round((performance.now() - started) * 10) / 10 };
}

// Achievement names are parsed once per version, not once per row.
const achievementNames = new Map<string, string>();
function achievementName(json: string | null): string {
  if (!json) return '';
  let name = achievementNames.get(json);
  if (name === undefined) {
    try {
      name = String((JSON.parse(json) as { name?: unknown }).name ?? '');
    } catch {
      name = '';
    }
    if (achievementNames.size > 500) achievementNames.clear();
    achievementNames.set(json, name);
  }
  return name;
}

function toRow(db: Db, r: PageRow): CredentialRow {
  const forms = db.prepare('SELECT format FROM credentials WHERE credential_id = ? ORDER BY rowid_pk').all(r.credential_id) as Array<{ format: 'json' | 'jwt' }>;
  let replaces: string | null = null;
  if (r.reissue_of !== null) {
    replaces = (db.prepare('SELECT credential_id AS id FROM credentials WHERE rowid_pk = ?').get(r.reissue_of) as { id: string } | undefined)?.id ?? null;
  }
  return {
    credentialId: r.credential_id,
    rowId: r.rowid_pk,
    issuerId: r.issuer_id,
    recipient: r.recipient,
    learnerName: r.learner_name,
    formats: [...new Set(forms.map((f) => f.format))],
    status: r.status,
    createdAt: r.created_at,
    batchId: r.batch_id,
    achievement: r.achievement_id ? { id: r.achievement_id, version: r.version ?? 0, name: achievementName(r.achievement_json) } : null,
    replaces,
    record: r.record_name ?? null,
  };
}

/** The credential JSON of a stored form (a VC-JWT's payload). */
export function payloadOf(body: string, format: 'json' | 'jwt'): Record<string, unknown> | null {
  try {
    if (format === 'json') return JSON.parse(body) as Record<string, unknown>;
    return JSON.parse(Buffer.from(body.trim().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- one credential

export interface CredentialDetail extends CredentialRow {
  /** Each stored form, exactly as signed. */
  forms: Array<{ format: 'json' | 'jwt'; rowId: number; sha256: string; body: string }>;
  /** The credential as JSON (the JSON form, or the VC-JWT's payload). */
  credential: Record<string, unknown> | null;
  statusEntries: BitstringStatusListEntry[];
  /** What the studio can do with its status, and why not when it can't. */
  actions: {
    revoke: { allowed: boolean; why?: string };
    suspend: { allowed: boolean; why?: string };
    reinstate: { allowed: boolean; why?: string };
  };
  batch: { id: string; createdAt: string; rosterName: string | null; outDir: string; line: number | null } | null;
  /** Credentials that replace this one (re-issues). */
  replacedBy: string[];
}

export function credentialDetail(db: Db, credentialId: string): CredentialDetail {
  const rows = getCredentialsById(db, credentialId);
  if (!rows.length) throw new LaurelError('NOT_FOUND', `No credential ${credentialId} was issued from this workspace.`);
  const page = queryCredentials(db, { id: credentialId, limit: 5 }).rows.find((r) => r.credentialId === credentialId);
  const primary = rows[0]!;
  const base: CredentialRow = page ?? {
    credentialId,
    rowId: primary.rowId,
    issuerId: primary.issuerId,
    recipient: primary.recipient,
    learnerName: null,
    formats: [...new Set(rows.map((r) => r.format))],
    status: 'active',
    createdAt: primary.createdAt,
    batchId: primary.batchId ?? null,
    achievement: null,
    replaces: null,
    record: null,
  };
  const json = rows.find((r) => r.format === 'json');
  const credential = payloadOf((json ?? primary).body, (json ?? primary).format);
  const entries = statusEntriesOf(db, credentialId);
  const revocation = entries.some((e) => e.statusPurpose === 'revocation');
  const suspension = entries.some((e) => e.statusPurpose === 'suspension');
  const state = base.status;
  const noEntry = "It was issued without a status entry: its issuer had no status list URL then (Settings → Status lists). Re-issue it after setting one to be able to revoke it.";
  const actions: CredentialDetail['actions'] = {
    revoke:
      state === 'revoked' ? { allowed: false, why: 'It is already revoked; revocation is permanent.' } : revocation ? { allowed: true } : { allowed: false, why: noEntry },
    suspend:
      state === 'revoked'
        ? { allowed: false, why: 'It is revoked; revocation is permanent.' }
        : state === 'suspended'
          ? { allowed: false, why: 'It is already suspended.' }
          : suspension
            ? { allowed: true }
            : {
                allowed: false,
                why: revocation
                  ? 'An Open Badges 3.0 credential carries one status entry (the OB schema allows a single credentialStatus), and Laurel Studio uses it for revocation. Suspension needs an entry of its own, so this credential can be revoked but not suspended.'
                  : noEntry,
              },
    reinstate: state === 'suspended' ? { allowed: true } : { allowed: false, why: state === 'revoked' ? 'Revocation is permanent: issue a new credential instead.' : 'It is not suspended.' },
  };
  let batch: CredentialDetail['batch'] = null;
  if (primary.batchId) {
    const b = getBatch(db, primary.batchId);
    const item = db.prepare('SELECT line FROM batch_items WHERE batch_id = ? AND credential_id = ?').get(primary.batchId, credentialId) as { line: number | null } | undefined;
    if (b) {
      const o = b.options as { rosterName?: string | null; outDir?: string };
      batch = { id: b.id, createdAt: b.createdAt, rosterName: o.rosterName ?? null, outDir: o.outDir ?? '', line: item?.line ?? null };
    }
  }
  const rowIds = rows.map((r) => r.rowId);
  const replacedBy = (db.prepare(`SELECT DISTINCT credential_id AS id FROM credentials WHERE reissue_of IN (${rowIds.map(() => '?').join(', ')})`).all(...rowIds) as Array<{ id: string }>).map((r) => r.id);
  if (!base.achievement && primary.achievementRowid) {
    const v = getAchievementVersion(db, primary.achievementRowid);
    if (v) base.achievement = { id: v.achievementId, version: v.version, name: String(v.achievement.name ?? '') };
  }
  return {
    ...base,
    forms: rows.map((r: StoredCredential) => ({ format: r.format, rowId: r.rowId, sha256: r.sha256, body: r.body })),
    credential,
    statusEntries: entries,
    actions,
    batch,
    replacedBy,
  };
}

// ---------------------------------------------------------------- filters

export interface CatalogFacets {
  achievements: Array<{ id: string; name: string; latestVersion: number }>;
  batches: Array<{ id: string; createdAt: string; achievementName: string; rosterName: string | null; total: number; state: string }>;
  counts: Record<CredentialState | 'all', number>;
}

export function catalogFacets(db: Db): CatalogFacets {
  const achievements = (
    db
      .prepare(
        `SELECT a.achievement_id AS id, a.version AS version, a.json AS json FROM achievements a
         WHERE a.version = (SELECT MAX(version) FROM achievements b WHERE b.achievement_id = a.achievement_id) ORDER BY a.created_at DESC LIMIT 500`,
      )
      .all() as Array<{ id: string; version: number; json: string }>
  ).map((a) => ({ id: a.id, name: achievementName(a.json), latestVersion: a.version }));
  const batches = (
    db
      .prepare(
        `SELECT b.id, b.created_at, b.total, b.state, b.options_json, a.json FROM batches b LEFT JOIN achievements a ON a.rowid_pk = b.achievement_rowid
         ORDER BY b.created_at DESC LIMIT 200`,
      )
      .all() as Array<{ id: string; created_at: string; total: number; state: string; options_json: string; json: string | null }>
  ).map((b) => {
    let rosterName: string | null = null;
    try {
      rosterName = (JSON.parse(b.options_json) as { rosterName?: string | null }).rosterName ?? null;
    } catch {
      // an unreadable options blob only loses the label
    }
    return { id: b.id, createdAt: b.created_at, achievementName: achievementName(b.json), rosterName, total: b.total, state: b.state };
  });
  const counts: CatalogFacets['counts'] = { all: 0, active: 0, revoked: 0, suspended: 0 };
  for (const r of db.prepare(`SELECT c.status AS status, count(*) AS n FROM credentials c WHERE ${PRIMARY} GROUP BY c.status`).all() as Array<{ status: CredentialState; n: number }>) {
    counts[r.status] = r.n;
    counts.all += r.n;
  }
  return { achievements, batches, counts };
}
