import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt as nodeScrypt, timingSafeEqual } from 'node:crypto';
import { LaurelError } from '../util/errors.ts';

/**
 * The one passphrase encryption used for key files and key backups: scrypt → AES-256-GCM, in a
 * JSON envelope. A fresh salt and IV on every seal. The header (format, purpose, KDF, cipher) is
 * authenticated as GCM additional data. A passphrase check value (HMAC under a second derived
 * key) tells "wrong passphrase" apart from "file altered".
 */

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** ~0.3 s and 128 MiB on a 2020s laptop core. Tests may pass cheaper params; defaults stay strong. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** 'secrets': host client secrets and tokens, beside a key file (secret-store.ts). */
export type EnvelopePurpose = 'keystore' | 'key-backup' | 'secrets';

export const ENVELOPE_FORMAT = 'laurel-studio-encrypted-keys' as const;

export interface Envelope {
  format: typeof ENVELOPE_FORMAT;
  version: 1;
  purpose: EnvelopePurpose;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  /** HMAC-SHA256 of a constant under the second half of the derived key. */
  check: string;
  ciphertext: string;
}

/** A derived key kept in memory so reads don't pay for scrypt again. Tied to one salt. */
export interface DerivedKey {
  salt: string;
  params: ScryptParams;
  encKey: Buffer;
  checkKey: Buffer;
}

const CHECK_LABEL = 'laurel-studio passphrase check v1';
const MIN_PASSPHRASE = 8;

/** Rejects passphrases too short to protect a private key. Only checked when creating files. */
export function checkNewPassphrase(passphrase: unknown, what: string): asserts passphrase is string {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE) {
    throw new LaurelError('INVALID_INPUT', `${what} needs a passphrase of at least ${MIN_PASSPHRASE} characters.`);
  }
}

export function validateScryptParams(p: ScryptParams, where: string): void {
  const ok =
    Number.isInteger(p.N) && p.N >= 2 ** 10 && p.N <= 2 ** 20 && (p.N & (p.N - 1)) === 0 &&
    Number.isInteger(p.r) && p.r >= 1 && p.r <= 32 &&
    Number.isInteger(p.p) && p.p >= 1 && p.p <= 16 &&
    128 * p.N * p.r * p.p <= 1024 * 1024 * 1024;
  if (!ok) throw new LaurelError('INVALID_INPUT', `${where} has unusable scrypt parameters (N=${p.N}, r=${p.r}, p=${p.p}).`);
}

export async function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<DerivedKey> {
  const out = await new Promise<Buffer>((resolve, reject) => {
    nodeScrypt(passphrase.normalize('NFC'), salt, 64, { ...params, maxmem: 256 * params.N * params.r * params.p + 32 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
  return { salt: salt.toString('base64'), params: { ...params }, encKey: out.subarray(0, 32), checkKey: out.subarray(32, 64) };
}

function aad(e: Pick<Envelope, 'format' | 'version' | 'purpose' | 'kdf' | 'cipher'>): Buffer {
  return Buffer.from(JSON.stringify([e.format, e.version, e.purpose, e.kdf.name, e.kdf.N, e.kdf.r, e.kdf.p, e.kdf.salt, e.cipher.name, e.cipher.iv]), 'utf8');
}

function checkValue(key: DerivedKey): Buffer {
  return createHmac('sha256', key.checkKey).update(CHECK_LABEL).digest();
}

/** Encrypts with a fresh salt (so a fresh scrypt run) and IV. Returns the file bytes and the key used. */
export async function seal(plaintext: Uint8Array, passphrase: string, purpose: EnvelopePurpose, params: ScryptParams = DEFAULT_SCRYPT): Promise<{ bytes: Uint8Array; key: DerivedKey }> {
  validateScryptParams(params, 'The encryption settings');
  const key = await deriveKey(passphrase, randomBytes(16), params);
  const iv = randomBytes(12);
  const head = {
    format: ENVELOPE_FORMAT,
    version: 1 as const,
    purpose,
    kdf: { name: 'scrypt' as const, N: params.N, r: params.r, p: params.p, salt: key.salt },
    cipher: { name: 'aes-256-gcm' as const, iv: iv.toString('base64'), tag: '' },
  };
  const c = createCipheriv('aes-256-gcm', key.encKey, iv);
  c.setAAD(aad(head));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  const envelope: Envelope = {
    ...head,
    cipher: { ...head.cipher, tag: c.getAuthTag().toString('base64') },
    check: checkValue(key).toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
  return { bytes: Buffer.from(JSON.stringify(envelope, null, 2) + '\n', 'utf8'), key };
}

export interface OpenOptions {
  /** Which purposes this caller accepts. */
  purposes: EnvelopePurpose[];
  /** Names the thing in messages: "the encrypted key file /path" or "this key backup". */
  what: string;
  /** A key from an earlier open; reused when the salt and params still match. */
  cached?: DerivedKey;
}

/** Decrypts. BAD_PASSPHRASE for a wrong passphrase; INVALID_INPUT for altered or foreign files. */
export async function unseal(bytes: Uint8Array, passphrase: string, options: OpenOptions): Promise<{ plaintext: Buffer; key: DerivedKey }> {
  const e = parseEnvelope(bytes, options);
  const salt = Buffer.from(e.kdf.salt, 'base64');
  const params = { N: e.kdf.N, r: e.kdf.r, p: e.kdf.p };
  const c = options.cached;
  const key =
    c && c.salt === e.kdf.salt && c.params.N === params.N && c.params.r === params.r && c.params.p === params.p
      ? c
      : await deriveKey(passphrase, salt, params);
  const check = Buffer.from(e.check, 'base64');
  const expected = checkValue(key);
  if (check.length !== expected.length || !timingSafeEqual(check, expected)) {
    throw new LaurelError('BAD_PASSPHRASE', `Wrong passphrase for ${options.what}. Nothing was read or changed; try again with the passphrase used when it was created.`);
  }
  try {
    const d = createDecipheriv('aes-256-gcm', key.encKey, Buffer.from(e.cipher.iv, 'base64'));
    d.setAAD(aad(e));
    d.setAuthTag(Buffer.from(e.cipher.tag, 'base64'));
    return { plaintext: Buffer.concat([d.update(Buffer.from(e.ciphertext, 'base64')), d.final()]), key };
  } catch {
    throw new LaurelError(
      'INVALID_INPUT',
      `${cap(options.what)} has been altered or damaged: the passphrase is right but the contents fail their integrity check (AES-GCM tag). It can't be used; restore it from a backup.`,
      { details: { reason: 'tampered' } },
    );
  }
}

function parseEnvelope(bytes: Uint8Array, options: OpenOptions): Envelope {
  let e: unknown;
  try {
    e = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new LaurelError('INVALID_INPUT', `${cap(options.what)} is not a Laurel Studio encrypted key file (not JSON).`);
  }
  const o = e as Partial<Envelope> | null;
  if (!o || typeof o !== 'object' || o.format !== ENVELOPE_FORMAT) {
    throw new LaurelError('INVALID_INPUT', `${cap(options.what)} is not a Laurel Studio encrypted key file.`);
  }
  if (o.version !== 1) throw new LaurelError('UNSUPPORTED', `${cap(options.what)} uses format version ${String(o.version)}; this Laurel Studio reads version 1. Update Laurel Studio.`);
  if (!o.purpose || !options.purposes.includes(o.purpose)) {
    throw new LaurelError('INVALID_INPUT', `${cap(options.what)} is a ${String(o.purpose)} file, not a ${options.purposes.join(' or ')} file.`);
  }
  const k = o.kdf;
  const c = o.cipher;
  const b64 = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
  if (
    !k || k.name !== 'scrypt' || !b64(k.salt) || !c || c.name !== 'aes-256-gcm' || !b64(c.iv) || !b64(c.tag) || !b64(o.check) || !b64(o.ciphertext) ||
    Buffer.from(c.iv, 'base64').length !== 12 || Buffer.from(c.tag, 'base64').length !== 16
  ) {
    throw new LaurelError('INVALID_INPUT', `${cap(options.what)} is damaged: its encryption header is incomplete.`, { details: { reason: 'tampered' } });
  }
  validateScryptParams({ N: k.N, r: k.r, p: k.p }, cap(options.what));
  return o as Envelope;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
