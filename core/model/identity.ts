import { createHash, randomBytes } from 'node:crypto';
import { ENUMS, describeEnumProblem, type IdentifierType } from './enums.ts';
import type { IdentityObject } from './types.ts';
import { validationError } from './util.ts';

export type IdentityHashAlgorithm = 'sha256' | 'md5';

/**
 * `sha256$<hex>` over the UTF-8 bytes of identifier + salt (salt appended, plain concatenation),
 * as in spec-digest §2.9. md5 exists only to check old credentials; we issue sha256.
 * The identifier is hashed exactly as given: a verifier hashes the plain value it knows, so any
 * normalisation (case, spaces) must be agreed outside the credential.
 */
export function hashIdentity(identifier: string, salt = '', algorithm: IdentityHashAlgorithm = 'sha256'): string {
  return `${algorithm}$${createHash(algorithm).update(identifier + salt, 'utf8').digest('hex')}`;
}

/** A random 16-byte salt as 32 lowercase hex characters. */
export function randomSalt(): string {
  return randomBytes(16).toString('hex');
}

export interface IdentityObjectInput {
  /** The plain value: an e-mail address, a student id, … */
  identifier: string;
  /** Default `emailAddress`. */
  identityType?: IdentifierType;
  /** Default true: store `sha256$…` of identifier+salt, not the plain value. */
  hashed?: boolean;
  /** Default: a fresh random 16-byte hex salt (hashed only). */
  salt?: string;
}

/**
 * Also accepts an IdentityObject already built (e.g. read back from a credential) and returns it
 * checked, so builders can take either form.
 */
export function buildIdentityObject(input: IdentityObjectInput | IdentityObject, path = '$'): IdentityObject {
  if ('identityHash' in input) return checkIdentityObject(input, path);
  const known = new Set(['identifier', 'identityType', 'hashed', 'salt']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw validationError(`unknown property "${key}" for an identity (expected identifier, identityType, hashed, salt).`, path);
  }
  if (typeof input.identifier !== 'string' || input.identifier.trim() === '') {
    throw validationError('the recipient identifier is empty: give the e-mail address or other identifier to hash.', `${path}.identifier`);
  }
  const identityType = input.identityType ?? 'emailAddress';
  checkIdentityType(identityType, `${path}.identityType`);
  const hashed = input.hashed ?? true;
  if (!hashed) {
    const out: IdentityObject = { type: 'IdentityObject', hashed: false, identityHash: input.identifier, identityType };
    if (input.salt) out.salt = input.salt;
    return out;
  }
  const salt = input.salt === undefined || input.salt === '' ? randomSalt() : input.salt;
  return { type: 'IdentityObject', hashed: true, identityHash: hashIdentity(input.identifier, salt), identityType, salt };
}

function checkIdentityType(value: unknown, path: string): void {
  if (value === 'email') throw validationError('identityType "email" is not in IdentifierTypeEnum: write "emailAddress".', path);
  const problem = describeEnumProblem(ENUMS.IdentifierTypeEnum, value);
  if (problem) throw validationError(problem, path);
}

/** Says what is wrong with an identityHash value that claims to be hashed, or undefined. */
export function describeIdentityHashProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'identityHash must be a string.';
  const m = /^(sha256|md5)\$(.*)$/.exec(value);
  if (!m) {
    if (/^[0-9a-fA-F]{64}$/.test(value)) return `identityHash has no algorithm prefix: write "sha256$${value}".`;
    if (/^[0-9a-fA-F]{32}$/.test(value)) return `identityHash has no algorithm prefix: write "md5$${value}".`;
    return 'a hashed identityHash must be written <alg>$<hex digest>, where alg is sha256 or md5, e.g. sha256$b5809d8a…; or set hashed to false for a plain value.';
  }
  const want = m[1] === 'sha256' ? 64 : 32;
  if (!new RegExp(`^[0-9a-fA-F]{${want}}$`).test(m[2] ?? '')) {
    return `the ${m[1]} digest must be ${want} hexadecimal characters (got "${m[2]}").`;
  }
  return undefined;
}

function checkIdentityObject(o: IdentityObject, path: string): IdentityObject {
  const known = new Set(['type', 'hashed', 'identityHash', 'identityType', 'salt']);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw validationError(`"${key}" is not allowed on IdentityObject (a closed class: type, hashed, identityHash, identityType, salt).`, path);
  }
  if (o.type !== 'IdentityObject') throw validationError('type must be the string "IdentityObject" (not an array).', `${path}.type`);
  if (typeof o.hashed !== 'boolean') throw validationError('hashed must be true or false.', `${path}.hashed`);
  checkIdentityType(o.identityType, `${path}.identityType`);
  if (o.hashed) {
    const problem = describeIdentityHashProblem(o.identityHash);
    if (problem) throw validationError(problem, `${path}.identityHash`);
  } else if (typeof o.identityHash !== 'string' || o.identityHash === '') {
    throw validationError('identityHash must be the plain identifier when hashed is false.', `${path}.identityHash`);
  }
  const out: IdentityObject = { type: 'IdentityObject', hashed: o.hashed, identityHash: o.identityHash, identityType: o.identityType };
  if (o.salt !== undefined && o.salt !== '') {
    if (typeof o.salt !== 'string') throw validationError('salt must be a string.', `${path}.salt`);
    out.salt = o.salt;
  }
  return out;
}
