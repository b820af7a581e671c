import type { KeyObject } from 'node:crypto';
import { LaurelError } from '../util/errors.ts';
import { algorithmOf, generateKeyPair, isKeyAlgorithm, pkcs8Of, privateKeyFromPkcs8, publicKeyInfo } from './algorithms.ts';
import { DEFAULT_SCRYPT, checkNewPassphrase, seal, unseal, type ScryptParams } from './envelope.ts';
import { createSigner } from './signer.ts';
import type { KeyAlgorithm, PublicKeyInfo, Signer } from './types.ts';

/**
 * Where private keys live. Callers name keys by `ref` and get public keys and Signers back; a
 * private key never leaves a store except inside a passphrase-encrypted backup.
 */
export interface KeyStore {
  readonly kind: 'keychain' | 'file';
  /** Human text saying where the keys live. Never contains key material. */
  describe(): string;
  /** Generates and stores a key. CONFLICT if `ref` is taken. */
  generate(ref: string, algorithm?: KeyAlgorithm): Promise<PublicKeyInfo>;
  /** Stores an existing private key (e.g. one brought from another tool). CONFLICT if taken, unless overwrite. */
  importPrivateKey(ref: string, privateKey: KeyObject, options?: { overwrite?: boolean }): Promise<PublicKeyInfo>;
  /** KEY_NOT_FOUND if absent. */
  publicKey(ref: string): Promise<PublicKeyInfo>;
  /** A Signer for the key as the given verification method. KEY_NOT_FOUND if absent. */
  signer(ref: string, verificationMethod: string, controller: string): Promise<Signer>;
  has(ref: string): Promise<boolean>;
  /** True when a key was deleted, false when there was none. */
  delete(ref: string): Promise<boolean>;
  /** Refs of the stored keys, sorted. */
  list(): Promise<string[]>;
  /** A passphrase-encrypted backup of the given keys (all keys when `refs` is empty). */
  exportBackup(refs: string[], passphrase: string): Promise<Uint8Array>;
  /**
   * Restores keys from a backup (or from a key file, which has the same contents). A ref that
   * exists with the same key is left alone; with a different key it is a CONFLICT (nothing is
   * imported) unless `overwrite`.
   */
  importBackup(bytes: Uint8Array, passphrase: string, options?: { overwrite?: boolean }): Promise<ImportResult>;
}

export interface ImportResult {
  imported: string[];
  unchanged: string[];
  replaced: string[];
}

/** One stored key. `pkcs8` is base64 DER. Only ever serialized inside a keychain item or an encrypted file. */
export interface KeyRecord {
  ref: string;
  algorithm: KeyAlgorithm;
  pkcs8: string;
  createdAt: string;
}

/** The plaintext inside key files and backups. */
export interface KeyBundle {
  version: 1;
  keys: KeyRecord[];
}

const queues = new Map<string, Promise<unknown>>();

const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+\/-]{0,199}$/;

/** Refs are names, not data: letters, digits and . _ : @ + / - (no leading punctuation, ≤ 200). */
export function checkRef(ref: unknown): asserts ref is string {
  if (typeof ref !== 'string' || !REF_RE.test(ref)) {
    throw new LaurelError('INVALID_INPUT', `Key name ${JSON.stringify(typeof ref === 'string' ? ref.slice(0, 60) : ref)} is not valid: use 1-200 letters, digits or . _ : @ + / -, starting with a letter or digit.`);
  }
}

export function recordFor(ref: string, privateKey: KeyObject): KeyRecord {
  return { ref, algorithm: algorithmOf(privateKey), pkcs8: Buffer.from(pkcs8Of(privateKey)).toString('base64'), createdAt: new Date().toISOString() };
}

export function privateKeyOf(record: KeyRecord): KeyObject {
  return privateKeyFromPkcs8(Buffer.from(record.pkcs8, 'base64'), record.algorithm);
}

/** Validates a decrypted bundle. Messages never quote its contents (they are private keys). */
export function parseBundle(plaintext: Uint8Array, what: string): KeyBundle {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    throw new LaurelError('INVALID_INPUT', `The contents of ${what} are not readable (decrypted, but not valid JSON).`);
  }
  const b = data as { version?: unknown; keys?: unknown };
  if (!b || typeof b !== 'object' || b.version !== 1 || !Array.isArray(b.keys)) {
    throw new LaurelError('INVALID_INPUT', `The contents of ${what} are not a version 1 key list.`);
  }
  const keys: KeyRecord[] = [];
  const seen = new Set<string>();
  for (const [i, k] of (b.keys as unknown[]).entries()) {
    const r = parseRecord(k, `key #${i + 1} in ${what}`);
    if (seen.has(r.ref)) throw new LaurelError('INVALID_INPUT', `${what} lists the key name '${r.ref}' twice.`);
    seen.add(r.ref);
    keys.push(r);
  }
  return { version: 1, keys };
}

export function parseRecord(value: unknown, what: string): KeyRecord {
  const r = value as Partial<KeyRecord> | null;
  if (!r || typeof r !== 'object' || typeof r.ref !== 'string' || !REF_RE.test(r.ref) || !isKeyAlgorithm(r.algorithm) || typeof r.pkcs8 !== 'string') {
    throw new LaurelError('INVALID_INPUT', `${what} is malformed (needs ref, algorithm and pkcs8).`);
  }
  return { ref: r.ref, algorithm: r.algorithm, pkcs8: r.pkcs8, createdAt: typeof r.createdAt === 'string' ? r.createdAt : '' };
}

export function serializeBundle(records: KeyRecord[]): Buffer {
  const bundle: KeyBundle = { version: 1, keys: records.map((r) => ({ ref: r.ref, algorithm: r.algorithm, pkcs8: r.pkcs8, createdAt: r.createdAt })) };
  return Buffer.from(JSON.stringify(bundle), 'utf8');
}

/**
 * The behaviour both backends share. A backend supplies four record primitives; everything a
 * caller sees (errors, conflicts, backups) is decided here once.
 */
export abstract class BaseKeyStore implements KeyStore {
  abstract readonly kind: 'keychain' | 'file';
  abstract describe(): string;
  /** null when absent. */
  protected abstract readRecord(ref: string): Promise<KeyRecord | null>;
  /** Writes records, replacing same-ref ones. All-or-nothing where the backend can manage it. */
  protected abstract writeRecords(records: KeyRecord[]): Promise<void>;
  protected abstract deleteRecord(ref: string): Promise<boolean>;
  protected abstract listRefs(): Promise<string[]>;

  readonly #backupScrypt: ScryptParams;
  readonly #lockKey: string;

  /** `lockKey` names the storage: two stores on the same file or keychain service share one queue. */
  constructor(options: { lockKey: string; backupScrypt?: ScryptParams }) {
    this.#lockKey = options.lockKey;
    this.#backupScrypt = options.backupScrypt ?? DEFAULT_SCRYPT;
  }

  /** Runs read-modify-write operations on one storage one at a time within this process. */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const key = this.#lockKey;
    const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  }

  async generate(ref: string, algorithm: KeyAlgorithm = 'Ed25519'): Promise<PublicKeyInfo> {
    checkRef(ref);
    if (!isKeyAlgorithm(algorithm)) throw new LaurelError('UNSUPPORTED', `Unknown key algorithm '${String(algorithm)}'; use Ed25519, P-256 or RSA-2048.`);
    return this.exclusive(async () => {
      if (await this.readRecord(ref)) throw conflict(ref, this.describe());
      const { privateKey, publicKey } = await generateKeyPair(algorithm);
      await this.writeRecords([recordFor(ref, privateKey)]);
      return publicKey;
    });
  }

  async importPrivateKey(ref: string, privateKey: KeyObject, options: { overwrite?: boolean } = {}): Promise<PublicKeyInfo> {
    checkRef(ref);
    const record = recordFor(ref, privateKey);
    return this.exclusive(async () => {
      const existing = await this.readRecord(ref);
      const same = existing !== null && sameKey(existing, record);
      if (existing && !same && !options.overwrite) throw conflict(ref, this.describe());
      if (!same) await this.writeRecords([record]);
      return publicKeyInfo(privateKey);
    });
  }

  async publicKey(ref: string): Promise<PublicKeyInfo> {
    return publicKeyInfo(await this.#load(ref));
  }

  async signer(ref: string, verificationMethod: string, controller: string): Promise<Signer> {
    return createSigner({ privateKey: await this.#load(ref), verificationMethod, controller });
  }

  async has(ref: string): Promise<boolean> {
    checkRef(ref);
    return (await this.readRecord(ref)) !== null;
  }

  async delete(ref: string): Promise<boolean> {
    checkRef(ref);
    return this.exclusive(() => this.deleteRecord(ref));
  }

  async list(): Promise<string[]> {
    return [...(await this.listRefs())].sort();
  }

  async exportBackup(refs: string[], passphrase: string): Promise<Uint8Array> {
    checkNewPassphrase(passphrase, 'A key backup');
    const wanted = refs.length > 0 ? [...new Set(refs)] : await this.list();
    if (wanted.length === 0) throw new LaurelError('INVALID_INPUT', `There are no keys to back up in ${this.describe()}.`);
    const records: KeyRecord[] = [];
    for (const ref of wanted) {
      checkRef(ref);
      const r = await this.readRecord(ref);
      if (!r) throw notFound(ref, this.describe());
      privateKeyOf(r); // refuse to back up a record that would not restore
      records.push(r);
    }
    const { bytes } = await seal(serializeBundle(records), passphrase, 'key-backup', this.#backupScrypt);
    return bytes;
  }

  async importBackup(bytes: Uint8Array, passphrase: string, options: { overwrite?: boolean } = {}): Promise<ImportResult> {
    if (typeof passphrase !== 'string') throw new LaurelError('INVALID_INPUT', 'A passphrase is required to open a key backup.');
    const what = 'this key backup';
    const { plaintext } = await unseal(bytes, passphrase, { purposes: ['key-backup', 'keystore'], what });
    const bundle = parseBundle(plaintext, what);
    for (const r of bundle.keys) privateKeyOf(r);
    return this.exclusive(async () => {
      const result: ImportResult = { imported: [], unchanged: [], replaced: [] };
      const toWrite: KeyRecord[] = [];
      const conflicts: string[] = [];
      for (const r of bundle.keys) {
        const existing = await this.readRecord(r.ref);
        if (!existing) {
          result.imported.push(r.ref);
          toWrite.push(r);
        } else if (sameKey(existing, r)) {
          result.unchanged.push(r.ref);
        } else if (options.overwrite) {
          result.replaced.push(r.ref);
          toWrite.push(r);
        } else conflicts.push(r.ref);
      }
      if (conflicts.length > 0) {
        throw new LaurelError(
          'CONFLICT',
          `The backup holds different keys under names already used in ${this.describe()}: ${conflicts.join(', ')}. Nothing was imported. Delete or rename those keys first, or import with overwrite (the current keys would be lost).`,
          { details: { conflicts } },
        );
      }
      if (toWrite.length > 0) await this.writeRecords(toWrite);
      return result;
    });
  }

  async #load(ref: string): Promise<KeyObject> {
    checkRef(ref);
    const record = await this.readRecord(ref);
    if (!record) throw notFound(ref, this.describe());
    return privateKeyOf(record);
  }
}

/** Same key even when two tools encoded its PKCS#8 differently (e.g. with or without the public point). */
function sameKey(a: KeyRecord, b: KeyRecord): boolean {
  if (a.pkcs8 === b.pkcs8) return true;
  if (a.algorithm !== b.algorithm) return false;
  try {
    return publicKeyInfo(privateKeyOf(a)).publicKeyMultibase === publicKeyInfo(privateKeyOf(b)).publicKeyMultibase;
  } catch {
    return false;
  }
}

export function notFound(ref: string, where: string): LaurelError {
  return new LaurelError('KEY_NOT_FOUND', `There is no key named '${ref}' in ${where}. It may have been deleted, or it lives in another key store; restore it from a backup if you have one.`);
}

function conflict(ref: string, where: string): LaurelError {
  return new LaurelError('CONFLICT', `A key named '${ref}' already exists in ${where}; choose another name or delete that key first.`);
}
