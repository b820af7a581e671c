import { LaurelError } from '../util/errors.ts';

/** Internal helpers shared by builders and rules. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `$.a.b[0]['@context']` style paths. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** Ajv's JSON Pointer (`/credentialSubject/identifier/0`) → `$.credentialSubject.identifier[0]`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '$';
  let out = '$';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^(0|[1-9][0-9]*)$/.test(seg) ? childPath(out, Number(seg)) : childPath(out, seg);
  }
  return out;
}

/** Treat a 0..* value that may be a single value (JSON-LD compaction) as a list, with item paths. */
export function listAt(value: unknown, path: string): Array<{ value: unknown; path: string }> {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v, i) => ({ value: v, path: childPath(path, i) }));
  return [{ value, path }];
}

export function typesOf(node: unknown): string[] {
  if (!isObject(node)) return [];
  const t = node.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

export function validationError(message: string, path?: string, details?: unknown): LaurelError {
  return new LaurelError('VALIDATION', path ? `${path}: ${message}` : message, details === undefined ? (path ? { details: { path } } : undefined) : { details });
}

// RFC 3339 date-time (the XSD dateTimeStamp form): the zone is mandatory, offsets need the colon.
const DATE_TIME_Z = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const DATE_TIME_NO_ZONE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function validCalendarDate(y: number, mo: number, d: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * Says what is wrong with a date-time string, or undefined if it is an RFC 3339 date-time with
 * a zone that names a real instant.
 */
export function describeDateTimeProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a date-time string with a zone, e.g. 2024-05-01T00:00:00Z (got ${typeof value}).`;
  const m = DATE_TIME_Z.exec(value);
  if (!m) {
    if (DATE_TIME_NO_ZONE.test(value)) {
      return `"${value}" has no time zone, so it names no single instant. Add "Z" for UTC or an offset such as "+02:00", e.g. "${value.replace(' ', 'T')}${/:\d{2}:\d{2}/.test(value) ? '' : ':00'}Z".`;
    }
    if (DATE_ONLY.test(value)) return `"${value}" is a date without a time and zone. Write a date-time such as "${value}T00:00:00Z".`;
    if (/[+-]\d{4}$/.test(value)) return `"${value}" writes its offset without a colon. Write it as ±hh:mm, e.g. "+02:00".`;
    return `"${value}" is not an ISO 8601 date-time. Use the form 2024-05-01T00:00:00Z (or with an offset, +02:00).`;
  }
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const offH = m[9] === undefined ? 0 : Number(m[9]);
  const offM = m[10] === undefined ? 0 : Number(m[10]);
  if (!validCalendarDate(y, mo, d) || h > 23 || mi > 59 || s > 60 || offH > 23 || offM > 59 || Number.isNaN(Date.parse(value))) {
    return `"${value}" is not a real date and time.`;
  }
  return undefined;
}

export function describeDateProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a date string YYYY-MM-DD (got ${typeof value}).`;
  const m = DATE_ONLY.exec(value);
  if (!m) return `"${value}" is not a date in the form YYYY-MM-DD.`;
  if (!validCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return `"${value}" is not a real date.`;
  return undefined;
}

/** Milliseconds since the epoch of a valid date-time string (call after describeDateTimeProblem). */
export function instant(value: string): number {
  return Date.parse(value);
}

export type DateInput = string | Date;

/**
 * A Date becomes an ISO string in UTC at whole seconds (VC-JWT `nbf`/`exp` are whole seconds and
 * must equal validFrom/validUntil). A string must already carry a zone: we don't guess one.
 */
export function normalizeDateTime(value: DateInput, path: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validationError('is an invalid Date.', path);
    return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const problem = describeDateTimeProblem(value);
  if (problem) throw validationError(problem, path);
  // Canonical letter case only; the instant and the written offset are kept as given.
  return value.replace(/t/, 'T').replace(/z$/, 'Z');
}

export function normalizeDate(value: DateInput, path: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validationError('is an invalid Date.', path);
    return value.toISOString().slice(0, 10);
  }
  const problem = describeDateProblem(value);
  if (problem) throw validationError(problem, path);
  return value;
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
