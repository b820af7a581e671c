/**
 * A small schema helper for the Studio API boundary. Every argument that crosses from a UI into the
 * core goes through one of these; a bad one is answered with LaurelError('INVALID_INPUT') that
 * names the argument (`issuer.name`, `file.base64`, …). No dependency, so shells and tests can use
 * it without pulling in the rest of the core.
 */
import { LaurelError } from '../util/errors.ts';

/** Turns an unknown value into a T or throws INVALID_INPUT naming `at`. */
export type Validator<T> = (value: unknown, at: string) => T;

/** The type a validator produces. */
export type Infer<V> = V extends Validator<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<S> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
/** The object a shape validates: keys whose validator accepts undefined are optional. */
export type ObjectOf<S> = Simplify<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

const fail = (at: string, what: string): never => {
  throw new LaurelError('INVALID_INPUT', `${at}: ${what}.`);
};

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? 'text' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** What the pattern means, for the message ("an https URL"). */
  patternName?: string;
  /** Trim before checking (the trimmed value is returned). */
  trim?: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

export const v = {
  string(options: StringOptions = {}): Validator<string> {
    const { min = 0, max = 10_000, pattern, patternName, trim = false } = options;
    return (value, at) => {
      if (typeof value !== 'string') return fail(at, `expected text, got ${describe(value)}`);
      const s = trim ? value.trim() : value;
      if (s.length < min) return fail(at, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
      if (s.length > max) return fail(at, `must be at most ${max} characters`);
      if (pattern && !pattern.test(s)) return fail(at, `must be ${patternName ?? `text matching ${String(pattern)}`}`);
      return s;
    };
  },

  boolean(): Validator<boolean> {
    return (value, at) => (typeof value === 'boolean' ? value : fail(at, `expected true or false, got ${describe(value)}`));
  },

  integer(options: { min?: number; max?: number } = {}): Validator<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    return (value, at) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(at, `expected a whole number, got ${describe(value)}`);
      if (value < min || value > max) return fail(at, `must be between ${min} and ${max}`);
      return value;
    };
  },

  literal<const T extends readonly (string | number | boolean)[]>(...allowed: T): Validator<T[number]> {
    return (value, at) =>
      (allowed as readonly unknown[]).includes(value)
        ? (value as T[number])
        : fail(at, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  },

  optional<T>(inner: Validator<T>): Validator<T | undefined> {
    return (value, at) => (value === undefined ? undefined : inner(value, at));
  },

  array<T>(inner: Validator<T>, options: { max?: number } = {}): Validator<T[]> {
    const max = options.max ?? 1000;
    return (value, at) => {
      if (!Array.isArray(value)) return fail(at, `expected a list, got ${describe(value)}`);
      if (value.length > max) return fail(at, `must have at most ${max} entries`);
      return value.map((item, i) => inner(item, `${at}[${i}]`));
    };
  },

  /**
   * A plain object with exactly these keys (unknown keys are refused, so a typo or an injected
   * option never passes silently). Optional keys are those whose validator accepts undefined.
   */
  object<S extends Record<string, Validator<unknown>>>(shape: S): Validator<ObjectOf<S>> {
    return (value, at) => {
      if (!isPlainObject(value)) return fail(at, `expected an object, got ${describe(value)}`);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) fail(`${at}.${key}`, 'is not a known argument');
      }
      const out: Record<string, unknown> = {};
      for (const [key, check] of Object.entries(shape)) {
        const r = check(value[key], `${at}.${key}`);
        if (r !== undefined) out[key] = r;
      }
      return out as ObjectOf<S>;
    };
  },

  /** One of several object shapes, told apart by a string field. */
  union<K extends string, S extends Record<string, Validator<unknown>>>(key: K, variants: S): Validator<Infer<S[keyof S]>> {
    return (value, at) => {
      if (!isPlainObject(value)) return fail(at, `expected an object, got ${describe(value)}`);
      const tag = value[key];
      if (typeof tag !== 'string' || !Object.hasOwn(variants, tag)) {
        return fail(`${at}.${key}`, `must be one of ${Object.keys(variants).map((k) => JSON.stringify(k)).join(', ')}`);
      }
      return variants[tag]!(value, at) as Infer<S[keyof S]>;
    };
  },

  /**
   * Any JSON value (an Achievement, a credential), checked for size and depth only: the core
   * validates its meaning. Values arrive parsed (JSON over HTTP, structured clone over IPC).
   */
  json(options: { maxBytes?: number; maxDepth?: number } = {}): Validator<unknown> {
    const { maxBytes = 5 * 1024 * 1024, maxDepth = 64 } = options;
    const walk = (x: unknown, depth: number, at: string): void => {
      if (depth > maxDepth) fail(at, `is nested more than ${maxDepth} levels deep`);
      if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
      if (typeof x === 'number') {
        if (!Number.isFinite(x)) fail(at, 'contains a number JSON cannot carry');
        return;
      }
      if (Array.isArray(x)) return x.forEach((y) => walk(y, depth + 1, at));
      if (isPlainObject(x)) return Object.values(x).forEach((y) => walk(y, depth + 1, at));
      fail(at, `contains ${describe(x)}, which is not JSON`);
    };
    return (value, at) => {
      if (value === undefined) return fail(at, 'is missing');
      walk(value, 0, at);
      if (JSON.stringify(value).length > maxBytes) fail(at, `is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
      return value;
    };
  },

  /** Standard base64 (what btoa and Buffer produce), decoded, with a size limit on the bytes. */
  base64(options: { maxBytes?: number } = {}): Validator<Uint8Array> {
    const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
    return (value, at) => {
      if (typeof value !== 'string') return fail(at, `expected base64 text, got ${describe(value)}`);
      if (value.length > Math.ceil(maxBytes / 3) * 4 + 4) return fail(at, `is larger than ${formatBytes(maxBytes)}`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return fail(at, 'is not base64');
      const bytes = new Uint8Array(Buffer.from(value, 'base64'));
      if (bytes.length > maxBytes) return fail(at, `is larger than ${formatBytes(maxBytes)}`);
      return bytes;
    };
  },
};

/** The largest file a UI may hand the core in one call (credentials, backups, images). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** `{}` or nothing: for methods without arguments. */
export const noArgs: Validator<Record<string, never>> = (value, at) => {
  if (value === undefined || value === null) return {};
  return v.object({})(value, at) as Record<string, never>;
};
