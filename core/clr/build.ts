// The unsigned ClrCredential: contexts VC 2.0, CLR 2.0.1, OB 3.0.3 (in that order), a required
// name, the learner as ClrSubject id (a DID / URL) or a hashed IdentityObject (e-mail), the bundled
// credentials as they were signed (never changed), grouping achievements, checked associations.
import { randomUUID } from 'node:crypto';
import { CONTEXTS } from '../jsonld/index.ts';
import { buildAchievement, buildIdentityObject, schemaIssues, SCHEMA_VALIDATOR_TYPE, validateClrCredential, type AchievementInput } from '../model/index.ts';
import { LaurelError } from '../util/errors.ts';
import { assertAssociations, type AssociationInput } from './associations.ts';

type Json = Record<string, unknown>;

export const CLR_SCHEMA_URL = 'https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DID_OR_URL = /^(did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]|https:\/\/\S+)$/;

export interface ClrLearner {
  /** An e-mail address (written as a salted hash) or a DID / https URL (the subject id). */
  recipient: string;
  name?: string;
  /** Write the e-mail in clear instead of hashed. */
  plaintext?: boolean;
  /** Other identifiers of the same learner (a student number …): bundled credentials may name them by these. Not written. */
  aliases?: readonly string[];
}

export interface ClrBuildInput {
  id?: string;
  issuer: Json;
  name: string;
  description?: string;
  learner: ClrLearner;
  /** Signed credentials (JSON objects with their proofs), embedded as they are. */
  credentials: readonly Json[];
  /** Grouping achievements (a program, a degree): Achievement JSON. */
  achievements?: readonly unknown[];
  associations?: readonly AssociationInput[];
  partial?: boolean;
  validFrom?: string;
  validUntil?: string;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The achievement a bundled credential awards (id → name), if it names one. */
export function innerAchievement(vc: Json): { id: string; name: string } | undefined {
  const subjects = Array.isArray(vc.credentialSubject) ? vc.credentialSubject : [vc.credentialSubject];
  for (const s of subjects) {
    if (isObject(s) && isObject(s.achievement) && typeof s.achievement.id === 'string') {
      return { id: s.achievement.id, name: typeof s.achievement.name === 'string' ? s.achievement.name : s.achievement.id };
    }
  }
  return undefined;
}

/** Every achievement id of the record (bundled credentials' and grouping ones) → name. */
export function achievementIndex(credentials: readonly Json[], grouping: readonly Json[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const vc of credentials) {
    const a = innerAchievement(vc);
    if (a) m.set(a.id, a.name);
  }
  for (const g of grouping) if (typeof g.id === 'string') m.set(g.id, typeof g.name === 'string' ? g.name : g.id);
  return m;
}

function dateTime(v: string, at: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  if (Number.isNaN(Date.parse(d)) || !/(Z|[+-]\d{2}:\d{2})$/.test(d)) throw new LaurelError('INVALID_INPUT', `${at} must be a date-time with a time zone, e.g. 2026-05-01T00:00:00Z (got "${v}").`);
  return d.replace(/\.\d{3}Z$/, 'Z');
}

export function buildClrCredential(input: ClrBuildInput): Json {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) throw new LaurelError('INVALID_INPUT', 'A CLR needs a name (ClrCredential.name is required), e.g. "Transcript of Ada Lovelace".');
  if (!input.credentials.length) throw new LaurelError('INVALID_INPUT', 'A CLR bundles at least one credential (ClrSubject.verifiableCredential is 1..*).');
  input.credentials.forEach((vc, i) => {
    if (!isObject(vc) || vc.proof === undefined) throw new LaurelError('INVALID_INPUT', `Credential ${i + 1} has no embedded proof: a CLR carries signed JSON credentials (a VC-JWT has no slot in it).`);
    // The CLR package holds bundled credentials to its own AchievementCredential schema.
    const problems = schemaIssues(vc, 'clr-achievement', 'json-ld');
    if (problems.length) {
      const at = `$.credentialSubject.verifiableCredential[${i}]`;
      throw new LaurelError('VALIDATION', `Credential ${i + 1} does not meet the CLR AchievementCredential schema: ${problems.map((p) => `${at}${p.path.slice(1)}: ${p.message}`).join('; ')}`, { details: { issues: problems } });
    }
  });
  const grouping = (input.achievements ?? []).map((a, i) => {
    try {
      return buildAchievement(a as AchievementInput) as unknown as Json;
    } catch (e) {
      if (e instanceof LaurelError) throw new LaurelError(e.code, `Grouping achievement ${i + 1}: ${e.message}`, { details: e.details });
      throw e;
    }
  });
  const index = achievementIndex(input.credentials, []);
  for (const g of grouping) {
    if (index.has(String(g.id))) throw new LaurelError('INVALID_INPUT', `Grouping achievement "${String(g.name)}" has the id ${String(g.id)}, which a bundled credential already awards; give the program or degree its own id.`);
  }
  const associations = assertAssociations(input.associations ?? [], achievementIndex(input.credentials, grouping));

  const r = input.learner.recipient.trim();
  const subject: Json = { type: ['ClrSubject'] };
  if (EMAIL.test(r)) {
    subject.identifier = [buildIdentityObject({ identifier: r.toLowerCase(), identityType: 'emailAddress', hashed: !input.learner.plaintext })];
  } else if (DID_OR_URL.test(r)) {
    subject.id = r;
  } else {
    throw new LaurelError('INVALID_INPUT', `The learner '${input.learner.recipient}' is neither an e-mail address nor a DID (did:method:…) or https URL.`);
  }
  if (input.learner.name?.trim()) subject.name = input.learner.name.trim();
  subject.verifiableCredential = [...input.credentials];
  if (grouping.length) subject.achievement = grouping;
  if (associations.length) subject.association = associations;

  const out: Json = {
    '@context': [CONTEXTS.VC_V2, CONTEXTS.CLR_201, CONTEXTS.OB_303, CONTEXTS.OB_EXTENSIONS],
    id: input.id ?? `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'ClrCredential'],
    name,
  };
  if (input.description?.trim()) out.description = input.description.trim();
  if (input.partial) out.partial = true;
  out.credentialSubject = subject;
  out.issuer = input.issuer;
  out.validFrom = dateTime(input.validFrom ?? new Date().toISOString(), 'validFrom');
  if (input.validUntil) {
    out.validUntil = dateTime(input.validUntil, 'validUntil');
    if (Date.parse(out.validUntil as string) <= Date.parse(out.validFrom as string)) throw new LaurelError('INVALID_INPUT', `validUntil (${String(out.validUntil)}) must be after validFrom (${String(out.validFrom)}).`);
  }
  out.credentialSchema = [{ id: CLR_SCHEMA_URL, type: SCHEMA_VALIDATOR_TYPE }];
  const check = validateClrCredential(out, { terms: 'sign' });
  const errors = check.issues.filter((i) => i.severity === 'error');
  if (errors.length) {
    throw new LaurelError('VALIDATION', `The CLR is not valid: ${errors.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { details: { issues: check.issues } });
  }
  return out;
}
