import { describe, expect, it } from 'vitest';
import {
  MIN_BITSTRING_BITS,
  allocateStatusEntries,
  getBit,
  listStatusListInfo,
  normalizeStatusListBaseUrl,
  setCredentialStatus,
  setStatusListBaseUrl,
  statusListCapacity,
  type BitstringStatusListEntry,
} from '../../core/status/index.ts';
import { insertCredential, listAudit, type Db } from '../../core/store/index.ts';
import { getStatusList } from '../../core/store/status.ts';
import { bareWorkspace } from './helpers.ts';

const ACME = 'https://acme.example/issuer';
const BASE = 'https://badges.acme.example/status';

function workspace(): Db {
  const db = bareWorkspace([{ id: ACME, name: 'Acme Training' }]);
  setStatusListBaseUrl(db, ACME, `${BASE}/`);
  return db;
}

const one = (m: Map<string, BitstringStatusListEntry | BitstringStatusListEntry[]>, id: string) => m.get(id) as BitstringStatusListEntry;

function issue(db: Db, credentialId: string, issuerId = ACME): void {
  insertCredential(db, { credentialId, issuerId, recipient: 'a@example.org', format: 'json', body: JSON.stringify({ id: credentialId }) });
}

describe('status list URL', () => {
  it('takes an https folder URL and normalises it', () => {
    expect(normalizeStatusListBaseUrl(' https://Badges.Example.org/status/ ')).toBe('https://badges.example.org/status');
    expect(normalizeStatusListBaseUrl('https://badges.example.org')).toBe('https://badges.example.org');
    expect(() => normalizeStatusListBaseUrl('http://badges.example.org/status')).toThrow(/must be https/);
    expect(() => normalizeStatusListBaseUrl('https://badges.example.org/status?x=1')).toThrow(/query/);
    expect(() => normalizeStatusListBaseUrl('https://me:pw@badges.example.org/')).toThrow(/password/);
    expect(() => normalizeStatusListBaseUrl('badges.example.org')).toThrow(/not a URL/);
  });

  it('refuses RSA issuers (no Data Integrity suite can sign their list) and unknown ones', () => {
    const db = bareWorkspace([{ id: 'https://rsa.example/issuer', name: 'RSA Org', keyAlgorithm: 'RSA-2048' }]);
    expect(() => setStatusListBaseUrl(db, 'https://rsa.example/issuer', BASE)).toThrow(/RSA key.*Data Integrity/s);
    expect(() => setStatusListBaseUrl(db, 'https://nobody.example', BASE)).toThrow(/No issuer/);
  });

  it('is required before entries can be allocated', () => {
    const db = bareWorkspace([{ id: ACME, name: 'Acme Training' }]);
    expect(() => allocateStatusEntries(db, ACME, ['urn:uuid:1'])).toThrow(/no status list URL/);
  });
});

describe('allocateStatusEntries', () => {
  it('gives each credential a BitstringStatusListEntry on a lazily created list', () => {
    const db = workspace();
    expect(listStatusListInfo(db, ACME)).toEqual([]);
    const e = one(allocateStatusEntries(db, ACME, ['urn:uuid:a']), 'urn:uuid:a');
    const url = `${BASE}/acme-training-revocation-1.json`;
    expect(e).toEqual({ id: `${url}#${e.statusListIndex}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: e.statusListIndex, statusListCredential: url });
    expect(e.statusListIndex).toMatch(/^(0|[1-9]\d*)$/);
    expect(Number(e.statusListIndex)).toBeLessThan(MIN_BITSTRING_BITS);
    expect(listStatusListInfo(db, ACME)).toMatchObject([{ id: url, purpose: 'revocation', size: MIN_BITSTRING_BITS, allocated: 1, set: 0 }]);
  });

  it('never uses an index twice, assigns them at random, and is idempotent per credential id', () => {
    const db = workspace();
    const ids = Array.from({ length: 3000 }, (_, i) => `urn:uuid:c-${i}`);
    const first = allocateStatusEntries(db, ACME, ids.slice(0, 2000));
    // A second call, as a resumed batch makes it: overlapping ids get their entries back.
    const second = allocateStatusEntries(db, ACME, ids.slice(1000));
    for (const id of ids.slice(1000, 2000)) expect(one(second, id)).toEqual(one(first, id));
    const indexes = ids.map((id) => Number(((first.get(id) ?? second.get(id)) as BitstringStatusListEntry).statusListIndex));
    expect(new Set(indexes).size).toBe(ids.length);
    expect(listStatusListInfo(db, ACME)[0]!.allocated).toBe(3000);
    // Random, not sequential: spread over the list and not in allocation order.
    expect(Math.max(...indexes)).toBeGreaterThan(MIN_BITSTRING_BITS / 2);
    const ascending = indexes.slice(1).filter((x, i) => x > indexes[i]!).length;
    expect(ascending).toBeGreaterThan(1000);
    expect(ascending).toBeLessThan(2000);
  });

  it('starts a new list when one is full, and still never reuses an index', () => {
    const db = workspace();
    const capacity = statusListCapacity(MIN_BITSTRING_BITS);
    const ids = Array.from({ length: capacity + 10 }, (_, i) => `urn:uuid:${i}`);
    const started = performance.now();
    const m = allocateStatusEntries(db, ACME, ids);
    expect(performance.now() - started).toBeLessThan(15_000);
    const lists = listStatusListInfo(db, ACME);
    expect(lists.map((l) => [l.id.replace(`${BASE}/`, ''), l.allocated])).toEqual([
      ['acme-training-revocation-1.json', capacity],
      ['acme-training-revocation-2.json', 10],
    ]);
    const seen = new Set<string>();
    for (const id of ids) seen.add(one(m, id).id);
    expect(seen.size).toBe(ids.length);
    const rows = db.prepare('SELECT count(*) AS n, count(DISTINCT list_id || \'#\' || status_index) AS u FROM status_entries').get() as { n: number; u: number };
    expect(rows).toEqual({ n: ids.length, u: ids.length });
  });

  it("takes part in the caller's transaction: a rolled-back allocation leaves nothing behind", () => {
    const db = workspace();
    expect(() =>
      db.transaction(() => {
        allocateStatusEntries(db, ACME, ['urn:uuid:rolled-back']);
        throw new Error('crash before the credential was stored');
      })(),
    ).toThrow(/crash/);
    expect(db.prepare('SELECT count(*) AS n FROM status_entries').get()).toEqual({ n: 0 });
    expect(listStatusListInfo(db, ACME)).toEqual([]);
  });

  it('with suspension: two entries on two lists, [revocation, suspension]', () => {
    const db = workspace();
    const [rev, sus] = allocateStatusEntries(db, ACME, ['urn:uuid:s'], { suspension: true }).get('urn:uuid:s') as BitstringStatusListEntry[];
    expect(rev!.statusPurpose).toBe('revocation');
    expect(sus!.statusPurpose).toBe('suspension');
    expect(sus!.statusListCredential).toBe(`${BASE}/acme-training-suspension-1.json`);
    // Asking again without suspension returns the revocation entry alone, the same one.
    expect(one(allocateStatusEntries(db, ACME, ['urn:uuid:s']), 'urn:uuid:s')).toEqual(rev);
  });

  it('keeps issued entries when the base URL changes; new lists go under the new one', () => {
    const db = workspace();
    const before = one(allocateStatusEntries(db, ACME, ['urn:uuid:old']), 'urn:uuid:old');
    setStatusListBaseUrl(db, ACME, 'https://cdn.example.net/acme');
    expect(one(allocateStatusEntries(db, ACME, ['urn:uuid:old']), 'urn:uuid:old')).toEqual(before);
    expect(one(allocateStatusEntries(db, ACME, ['urn:uuid:new']), 'urn:uuid:new').statusListCredential).toBe('https://cdn.example.net/acme/acme-training-revocation-2.json');
  });

  it('keeps two issuers with the same name apart', () => {
    const db = bareWorkspace([
      { id: ACME, name: 'Acme Training' },
      { id: 'https://other.example/issuer', name: 'Acme Training' },
    ]);
    setStatusListBaseUrl(db, ACME, BASE);
    setStatusListBaseUrl(db, 'https://other.example/issuer', BASE);
    const a = one(allocateStatusEntries(db, ACME, ['urn:uuid:1']), 'urn:uuid:1');
    const b = one(allocateStatusEntries(db, 'https://other.example/issuer', ['urn:uuid:2']), 'urn:uuid:2');
    expect(a.statusListCredential).toBe(`${BASE}/acme-training-revocation-1.json`);
    expect(b.statusListCredential).toMatch(new RegExp(`^${BASE}/acme-training-[0-9a-f]{6}-revocation-1\\.json$`));
  });
});

describe('setCredentialStatus', () => {
  function bit(db: Db, e: BitstringStatusListEntry): boolean {
    return getBit(getStatusList(db, e.statusListCredential)!.bits, Number(e.statusListIndex));
  }
  const state = (db: Db, id: string) => (db.prepare('SELECT status FROM credentials WHERE credential_id = ?').get(id) as { status: string }).status;

  it('revokes: sets the bit, credentials.status and an audit entry with the reason; revocation is permanent', () => {
    const db = workspace();
    const e = one(allocateStatusEntries(db, ACME, ['urn:uuid:r', 'urn:uuid:other']), 'urn:uuid:r');
    issue(db, 'urn:uuid:r');
    issue(db, 'urn:uuid:other');
    const change = setCredentialStatus(db, 'urn:uuid:r', 'revoked', '  issued to the wrong learner ', { actor: 'tester' });
    expect(change).toEqual({ credentialId: 'urn:uuid:r', issuerId: ACME, previous: 'active', status: 'revoked', changed: true, lists: [e.statusListCredential] });
    expect(bit(db, e)).toBe(true);
    expect(state(db, 'urn:uuid:r')).toBe('revoked');
    expect(state(db, 'urn:uuid:other')).toBe('active');
    expect(listStatusListInfo(db, ACME)[0]!.set).toBe(1);
    const audit = listAudit(db, 5).find((a) => a.action === 'credential.revoke');
    expect(audit).toMatchObject({ actor: 'tester', subject: 'urn:uuid:r', details: { reason: 'issued to the wrong learner', previous: 'active', status: 'revoked' } });

    expect(setCredentialStatus(db, 'urn:uuid:r', 'revoked')).toMatchObject({ changed: false, lists: [] });
    expect(() => setCredentialStatus(db, 'urn:uuid:r', 'active')).toThrow(/revocation is permanent/);
    expect(() => setCredentialStatus(db, 'urn:uuid:r', 'suspended')).toThrow(/revocation is permanent/);
  });

  it('suspends and reinstates a credential that has a suspension entry', () => {
    const db = workspace();
    const [, sus] = allocateStatusEntries(db, ACME, ['urn:uuid:s'], { suspension: true }).get('urn:uuid:s') as BitstringStatusListEntry[];
    issue(db, 'urn:uuid:s');
    expect(setCredentialStatus(db, 'urn:uuid:s', 'suspended', 'under review')).toMatchObject({ previous: 'active', status: 'suspended', changed: true });
    expect(bit(db, sus!)).toBe(true);
    expect(state(db, 'urn:uuid:s')).toBe('suspended');
    expect(setCredentialStatus(db, 'urn:uuid:s', 'active', 'review done')).toMatchObject({ previous: 'suspended', status: 'active', changed: true });
    expect(bit(db, sus!)).toBe(false);
    expect(listAudit(db, 10).map((a) => a.action)).toEqual(expect.arrayContaining(['credential.suspend', 'credential.reinstate']));
  });

  it('refuses with a reason: no suspension entry, no entry at all, unknown credential', () => {
    const db = workspace();
    allocateStatusEntries(db, ACME, ['urn:uuid:ob']);
    issue(db, 'urn:uuid:ob');
    issue(db, 'urn:uuid:no-status');
    expect(() => setCredentialStatus(db, 'urn:uuid:ob', 'suspended')).toThrow(/only a revocation entry.*single object/s);
    expect(() => setCredentialStatus(db, 'urn:uuid:no-status', 'revoked')).toThrow(/without a credentialStatus entry/);
    expect(() => setCredentialStatus(db, 'urn:uuid:nobody', 'revoked')).toThrow(/No credential/);
    expect(setCredentialStatus(db, 'urn:uuid:ob', 'active')).toMatchObject({ changed: false });
  });
});
