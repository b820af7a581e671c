import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LaurelError } from '../util/errors.ts';
import { DEFAULT_SCRYPT, checkNewPassphrase, validateScryptParams, type DerivedKey, type ScryptParams } from './envelope.ts';
import { readSealedFile, writeSealedFile } from './sealed-file.ts';
import { BaseKeyStore, parseBundle, serializeBundle, type KeyRecord } from './keystore.ts';

export interface FileKeyStoreOptions {
  /** scrypt cost for writes (and backups). Defaults to DEFAULT_SCRYPT; lower only in tests. */
  scrypt?: ScryptParams;
}

/**
 * All keys in one passphrase-encrypted file (scrypt + AES-256-GCM), for machines without an OS
 * keychain. Every write re-encrypts the whole file with a fresh salt and IV and replaces it
 * atomically (temp file + rename), mode 0600. The file is re-read on every operation so two
 * windows on the same file see each other's keys; the derived key is cached per salt so reads
 * don't pay for scrypt.
 */
export class FileKeyStore extends BaseKeyStore {
  readonly kind = 'file' as const;
  readonly filePath: string;
  readonly #passphrase: string;
  readonly #scrypt: ScryptParams;
  #key: DerivedKey | undefined;

  constructor(filePath: string, passphrase: string, options: FileKeyStoreOptions = {}) {
    const scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    const resolved = path.resolve(String(filePath));
    super({ lockKey: `file:${resolved}`, backupScrypt: scrypt });
    if (typeof passphrase !== 'string' || passphrase.length === 0) {
      throw new LaurelError('INVALID_INPUT', 'The encrypted key file needs a passphrase.');
    }
    validateScryptParams(scrypt, 'The key file settings');
    this.filePath = resolved;
    this.#passphrase = passphrase;
    this.#scrypt = scrypt;
  }

  /** Opens a key file, checking the passphrase now when the file exists (BAD_PASSPHRASE early). */
  static async open(filePath: string, passphrase: string, options: FileKeyStoreOptions = {}): Promise<FileKeyStore> {
    const store = new FileKeyStore(filePath, passphrase, options);
    const exists = await store.#read();
    if (!exists) checkNewPassphrase(passphrase, `A new key file (${store.filePath})`);
    return store;
  }

  describe(): string {
    return `encrypted key file ${this.filePath}`;
  }

  protected async readRecord(ref: string): Promise<KeyRecord | null> {
    return (await this.#read())?.find((r) => r.ref === ref) ?? null;
  }

  protected async listRefs(): Promise<string[]> {
    return ((await this.#read()) ?? []).map((r) => r.ref);
  }

  protected async writeRecords(records: KeyRecord[]): Promise<void> {
    const existing = await this.#read();
    if (existing === null) checkNewPassphrase(this.#passphrase, `A new key file (${this.filePath})`);
    const current = existing ?? [];
    const byRef = new Map(current.map((r) => [r.ref, r]));
    for (const r of records) byRef.set(r.ref, r);
    await this.#write([...byRef.values()]);
  }

  protected async deleteRecord(ref: string): Promise<boolean> {
    const current = await this.#read();
    if (!current || !current.some((r) => r.ref === ref)) return false;
    await this.#write(current.filter((r) => r.ref !== ref));
    return true;
  }

  /** The records, or null when the file does not exist yet. */
  async #read(): Promise<KeyRecord[] | null> {
    const what = `encrypted key file ${this.filePath}`;
    const opened = await readSealedFile(this.filePath, this.#passphrase, { purpose: 'keystore', what, cached: this.#key });
    if (!opened) return null;
    this.#key = opened.key;
    return parseBundle(opened.plaintext, `the ${what}`).keys;
  }

  async #write(records: KeyRecord[]): Promise<void> {
    this.#key = await writeSealedFile(this.filePath, serializeBundle(records), this.#passphrase, { purpose: 'keystore', what: `encrypted key file ${this.filePath}`, scrypt: this.#scrypt });
  }

  /** The file's permission bits (for diagnostics; 0600 expected on POSIX). */
  async fileMode(): Promise<number | null> {
    try {
      return (await stat(this.filePath)).mode & 0o777;
    } catch {
      return null;
    }
  }
}
