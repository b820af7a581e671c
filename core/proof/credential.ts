/** Small helpers shared by the Data Integrity and VC-JWT code: reading the fields proofs bind to. */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The issuer id: `issuer` as a string, or `issuer.id`. */
export function issuerIdOf(credential: JsonObject): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (isObject(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

/** The `id` of every credentialSubject that has one (OB/CLR have exactly one subject). */
export function subjectIdsOf(credential: JsonObject): { subjects: number; ids: string[] } {
  const subjects = asArray(credential.credentialSubject as unknown);
  const ids: string[] = [];
  for (const s of subjects) if (isObject(s) && typeof s.id === 'string') ids.push(s.id);
  return { subjects: subjects.length, ids };
}

/** XML Schema dateTime with a mandatory zone (what VC-DM 2.0 calls dateTimeStamp). */
const DATE_TIME_STAMP = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isDateTimeStamp(v: unknown): v is string {
  return typeof v === 'string' && DATE_TIME_STAMP.test(v) && !Number.isNaN(Date.parse(v));
}

/** Seconds since the epoch, truncated: JWT NumericDate at second precision. */
export function toNumericDate(dateTime: string): number | undefined {
  const ms = Date.parse(dateTime);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Now as an XML Schema dateTime, second precision, UTC ('2026-01-02T03:04:05Z'). */
export function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function contextsOf(doc: JsonObject): unknown[] {
  return asArray(doc['@context'] as unknown);
}

/** The credential without its embedded `proof` (what every proof in a proof set signs). */
export function withoutProof(credential: JsonObject): JsonObject {
  const { proof: _proof, ...rest } = credential;
  return rest;
}
