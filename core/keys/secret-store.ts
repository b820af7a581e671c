import path from 'node:path';
import { LaurelError } from '../util/errors.ts';
import { DEFAULT_SCRYPT, checkNewPassphrase, validateScryptParams, type DerivedKey, type ScryptParams } from './envelope.ts';
import { readSealedFile, writeSealedFile } from './sealed-file.ts';
import { DEFAULT_KEYCHAIN_SERVICE, keychainCall, keychainDescription, keychainEntry } from './keychain-store.ts';
import type { KeyStoreSpec } from './open.ts';

/**
 * Small secrets that are not signing keys: OAuth client secrets and tokens for publishing hosts.
 * They go where the keys go: the OS keychain (same access code and error mapping as the key
 * store), or, on machines without one, an encrypted file beside the key file (same envelope:
 * scrypt + AES-256-GCM, mode 0600, atomic replace). Never the workspace database.
 */
export interface SecretStore {
  readonly kind: 'keychain' | 'file';
  /** Where the secrets live, in words; never a secret. */
  describe(): string;
  /** The secret, or null when there is none. */
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(name: string): Promise<boolean>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+/-]{0,199}$/;

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new LaurelError('INVALID_INPUT', `Secret name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 60) : name)} is not valid: use 1-200 letters, digits or . _ : @ + / -, starting with a letter or digit.`);
  }
}

/** Secrets as keychain items under the studio's service; the account is the secret's name. */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly service: string;

  constructor(options: { service?: string } = {}) {
    this.service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
  }

  describe(): string {
    return keychainDescription(this.service);
  }

  async get(name: string): Promise<string | null> {
    checkName(name);
    const secret = await keychainCall(() => keychainEntry(this.service, name).getSecret(), this.describe());
    return secret === null ? null : Buffer.from(secret).toString('utf8');
  }

  async set(name: string, value: string): Promise<void> {
    checkName(name);
    // setSecret (bytes) rather than setPassword: Windows stores passwords as UTF-16 with a size cap.
    await keychainCall(() => keychainEntry(this.service, name).setSecret(Buffer.from(value, 'utf8')), this.describe());
  }

  async delete(name: string): Promise<boolean> {
    checkName(name);
    return keychainCall(() => keychainEntry(this.service, name).deleteCredential(), this.describe());
  }
}

interface SecretsFile {
  version: 1;
  secrets: Record<string, string>;
}

// Read-modify-write on one file, one at a time within this process.
const queues = new Map<string, Promise<unknown>>();

/** All secrets in one passphrase-encrypted file (the key file's envelope, purpose 'secrets'). */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly filePath: string;
  readonly #passphrase: string;
  readonly #scrypt: ScryptParams;
  #key: DerivedKey | undefined;

  constructor(filePath: string, passphrase: string, options: { scrypt?: ScryptParams } = {}) {
    if (typeof passphrase !== 'string' || passphrase.length === 0) throw new LaurelError('INVALID_INPUT', 'The encrypted secrets file needs a passphrase.');
    this.filePath = path.resolve(filePath);
    this.#passphrase = passphrase;
    this.#scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    validateScryptParams(this.#scrypt, 'The secrets file settings');
  }

  describe(): string {
    return `encrypted secrets file ${this.filePath}`;
  }

  async get(name: string): Promise<string | null> {
    checkName(name);
    const data = await this.#read();
    return data && Object.hasOwn(data.secrets, name) ? data.secrets[name]! : null;
  }

  set(name: string, value: string): Promise<void> {
    checkName(name);
    if (typeof value !== 'string') throw new LaurelError('INVALID_INPUT', 'A secret must be text.');
    return this.#exclusive(async () => {
      const data = (await this.#read()) ?? { version: 1, secrets: {} };
      data.secrets[name] = value;
      await this.#write(data);
    });
  }

  delete(name: string): Promise<boolean> {
    checkName(name);
    return this.#exclusive(async () => {
      const data = await this.#read();
      if (!data || !Object.hasOwn(data.secrets, name)) return false;
      delete data.secrets[name];
      await this.#write(data);
      return true;
    });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = (queues.get(this.filePath) ?? Promise.resolve()).then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(this.filePath, tail);
    void tail.then(() => {
      if (queues.get(this.filePath) === tail) queues.delete(this.filePath);
    });
    return run;
  }

  async #read(): Promise<SecretsFile | null> {
    const opened = await readSealedFile(this.filePath, this.#passphrase, { purpose: 'secrets', what: this.describe(), cached: this.#key });
    if (!opened) return null;
    this.#key = opened.key;
    let data: unknown;
    try {
      data = JSON.parse(opened.plaintext.toString('utf8'));
    } catch {
      data = null;
    }
    const d = data as Partial<SecretsFile> | null;
    if (!d || d.version !== 1 || !d.secrets || typeof d.secrets !== 'object' || Object.values(d.secrets).some((v) => typeof v !== 'string')) {
      // Never quote the contents: they are secrets.
      throw new LaurelError('INVALID_INPUT', `The contents of the ${this.describe()} are not a version 1 secrets list.`);
    }
    return { version: 1, secrets: { ...d.secrets } };
  }

  async #write(data: SecretsFile): Promise<void> {
    checkNewPassphrase(this.#passphrase, `The ${this.describe()}`);
    this.#key = await writeSealedFile(this.filePath, Buffer.from(JSON.stringify(data), 'utf8'), this.#passphrase, { purpose: 'secrets', what: this.describe(), scrypt: this.#scrypt });
  }
}

/** The secrets file that goes with a key file: `keys.laurel` → `keys.laurel.secrets`. */
export function secretsFileFor(keyFile: string): string {
  return `${path.resolve(keyFile)}.secrets`;
}

/**
 * The secret store that goes with a key store spec: the keychain for 'keychain', the file beside
 * the key file for 'file:<path>' (same passphrase).
 */
export function openSecretStore(spec: KeyStoreSpec, options: { passphrase?: string; service?: string; scrypt?: ScryptParams } = {}): SecretStore {
  if (spec === 'keychain') return new KeychainSecretStore(options.service !== undefined ? { service: options.service } : {});
  if (typeof spec === 'string' && spec.startsWith('file:')) {
    const file = spec.slice('file:'.length).replace(/^\/\/(localhost)?/, '');
    if (!file) throw new LaurelError('INVALID_INPUT', "A key file store needs a path: 'file:/path/to/keys.laurel'.");
    if (typeof options.passphrase !== 'string' || !options.passphrase) throw new LaurelError('INVALID_INPUT', `The encrypted secrets file beside ${file} needs the key file's passphrase.`);
    return new FileSecretStore(secretsFileFor(file), options.passphrase, options.scrypt ? { scrypt: options.scrypt } : {});
  }
  throw new LaurelError('INVALID_INPUT', `Unknown secret store ${JSON.stringify(String(spec).slice(0, 80))}: use 'keychain' or 'file:/path/to/keys.laurel'.`);
}
