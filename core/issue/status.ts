// Status list entries for a batch, from core/status: one revocation entry per credential id,
// allocated when the batch is prepared (in its transaction), so every resume signs the entry the
// credential id already holds and no index is ever used twice.
import { allocateStatusEntries, statusListBaseUrl, type BitstringStatusListEntry } from '../status/index.ts';
import type { Db } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

/** Whether the issuer publishes status lists (has a base URL for them). */
export function issuerHasStatusLists(db: Db, issuerId: string): boolean {
  return !!statusListBaseUrl(db, issuerId);
}

/**
 * The credentialStatus of each credential id. An Open Badges credential carries one entry (the OB
 * schemas allow a single credentialStatus object), so a list of several is refused.
 */
export function allocateBatchStatus(db: Db, issuerId: string, credentialIds: readonly string[]): Map<string, BitstringStatusListEntry> {
  const allocated = allocateStatusEntries(db, issuerId, credentialIds);
  const out = new Map<string, BitstringStatusListEntry>();
  for (const id of credentialIds) {
    const entry = allocated.get(id);
    if (!entry || Array.isArray(entry)) throw new LaurelError('UNSUPPORTED', `core/status allocated ${Array.isArray(entry) ? entry.length : 'no'} status entries for ${id}; a batch credential carries exactly one.`);
    out.set(id, entry);
  }
  return out;
}
