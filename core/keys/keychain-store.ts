import { AsyncEntry } from '@napi-rs/keyring';
import { LaurelError } from '../util/errors.ts';
import type { ScryptParams } from './envelope.ts';
import { BaseKeyStore, parseRecord, type KeyRecord } from './keystore.ts';

export const DEFAULT_KEYCHAIN_SERVICE = 'Laurel Studio';

/**
 * The keychain item that lists the refs (keychains can't be listed portably). Refs must start
 * with a letter or digit, so it can never collide with a key. Reading it also tells a locked
 * keychain apart from a missing key: the Secret Service answers "nothing" for a missing item in a
 * locked collection, but fails when asked for an existing one.
 */
const INDEX_ACCOUNT = '__laurel_index__';

export interface KeychainKeyStoreOptions {
  /** Keychain service name; keys are accounts under it. Default 'Laurel Studio'. */
  service?: string;
  /** scrypt cost for exported backups. Defaults to DEFAULT_SCRYPT; lower only in tests. */
  backupScrypt?: ScryptParams;
}

/**
 * Private keys in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
 * Linux) via @napi-rs/keyring. One item per key: account = ref, secret = small UTF-8 JSON
 * {ref, algorithm, pkcs8 (base64), createdAt}. Stored with setSecret, not setPassword, because
 * Windows stores passwords as UTF-16 and an RSA key's JSON would pass its 2560-byte limit.
 *
 * list() reads an index item the store maintains; keys put under the same service by other
 * tools are not listed (but has/publicKey/signer find them if they use this format).
 */
export class KeychainKeyStore extends BaseKeyStore {
  readonly kind = 'keychain' as const;
  readonly service: string;

  constructor(options: KeychainKeyStoreOptions = {}) {
    const service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    super({ lockKey: `keychain:${service}`, ...(options.backupScrypt ? { backupScrypt: options.backupScrypt } : {}) });
    if (typeof service !== 'string' || !service.trim()) throw new LaurelError('INVALID_INPUT', 'The keychain service name must not be empty.');
    this.service = service;
  }

  describe(): string {
    return keychainDescription(this.service);
  }

  protected async readRecord(ref: string): Promise<KeyRecord | null> {
    const raw = await this.#get(ref);
    if (raw === null) {
      // A locked Secret Service collection answers "no item" for everything; ask for the index,
      // which exists once any key was stored, to find out which case this is.
      await this.#get(INDEX_ACCOUNT);
      return null;
    }
    return this.#parse(raw, ref);
  }

  protected async listRefs(): Promise<string[]> {
    return this.#readIndex();
  }

  protected async writeRecords(records: KeyRecord[]): Promise<void> {
    const index = new Set(await this.#readIndex());
    const added: string[] = [];
    try {
      for (const r of records) {
        const json = JSON.stringify({ ref: r.ref, algorithm: r.algorithm, pkcs8: r.pkcs8, createdAt: r.createdAt });
        await this.#call(() => this.#entry(r.ref).setSecret(Buffer.from(json, 'utf8')));
        if (!index.has(r.ref)) added.push(r.ref);
      }
      if (added.length > 0) await this.#writeIndex([...index, ...added]);
    } catch (e) {
      // Best effort: don't leave new keys behind that the index does not know about. Replaced
      // keys are not touched (their old value is gone either way).
      for (const ref of added) await this.#call(() => this.#entry(ref).deleteCredential()).catch(() => undefined);
      throw e;
    }
  }

  protected async deleteRecord(ref: string): Promise<boolean> {
    const deleted = await this.#call(() => this.#entry(ref).deleteCredential());
    const index = await this.#readIndex();
    if (index.includes(ref)) await this.#writeIndex(index.filter((r) => r !== ref));
    return deleted;
  }

  async #readIndex(): Promise<string[]> {
    const raw = await this.#get(INDEX_ACCOUNT);
    if (raw === null) return [];
    try {
      const data = JSON.parse(raw) as { version?: unknown; refs?: unknown };
      if (data.version === 1 && Array.isArray(data.refs) && data.refs.every((r) => typeof r === 'string')) return data.refs as string[];
    } catch {
      // fall through
    }
    throw new LaurelError('KEYSTORE_UNAVAILABLE', `The key list kept in ${this.describe()} (item '${INDEX_ACCOUNT}') is damaged. Delete that item; keys themselves are unaffected but must be re-listed by importing a backup.`);
  }

  async #writeIndex(refs: string[]): Promise<void> {
    const json = JSON.stringify({ version: 1, refs: [...new Set(refs)].sort() });
    await this.#call(() => this.#entry(INDEX_ACCOUNT).setSecret(Buffer.from(json, 'utf8')));
  }

  /** The item as text, or null when absent. */
  async #get(account: string): Promise<string | null> {
    const secret = await this.#call(() => this.#entry(account).getSecret());
    return secret === null ? null : Buffer.from(secret).toString('utf8');
  }

  #parse(raw: string, ref: string): KeyRecord {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      // Never quote `raw`: it may be a private key in some other format.
      throw new LaurelError('INVALID_INPUT', `The keychain item for key '${ref}' in ${this.describe()} is not a Laurel Studio key (unreadable contents).`);
    }
    const record = parseRecord(data, `The keychain item for key '${ref}' in ${this.describe()}`);
    if (record.ref !== ref) throw new LaurelError('INVALID_INPUT', `The keychain item for key '${ref}' in ${this.describe()} holds a record for another key name.`);
    return record;
  }

  #entry(account: string): AsyncEntry {
    return keychainEntry(this.service, account);
  }

  /** Runs a keychain call, turning platform errors into LaurelErrors a person can act on. */
  #call<T>(fn: () => Promise<T>): Promise<T> {
    return keychainCall(fn, this.describe());
  }
}

/** The one way to open a keychain item (keys here, host secrets in secret-store.ts). */
export function keychainEntry(service: string, account: string): AsyncEntry {
  // Pinned to the Secret Service on Linux: the default silently falls back to the kernel
  // keyring, which forgets everything at reboot. Ignored on macOS and Windows.
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
}

/** Runs a keychain call, turning platform errors into LaurelErrors a person can act on. */
export async function keychainCall<T>(fn: () => Promise<T>, where: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapKeychainError(e, where);
  }
}

/** How the keychain is named in messages, per platform. */
export function keychainDescription(service: string): string {
  const where =
    process.platform === 'darwin' ? 'OS keychain (macOS Keychain)' : process.platform === 'win32' ? 'OS keychain (Windows Credential Manager)' : 'OS keychain (Secret Service)';
  return `${where}, service '${service}'`;
}

const LOCKED = /no result found|is ?locked|prompt was dismissed|prompt dismissed|interaction is not allowed|user cancel+ed|canceled by user|cancelled by user/i;

export function mapKeychainError(e: unknown, where: string): LaurelError {
  if (e instanceof LaurelError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const said = raw.length > 240 ? `${raw.slice(0, 237)}...` : raw;
  if (LOCKED.test(raw)) {
    return new LaurelError(
      'KEYSTORE_LOCKED',
      `The ${where} is locked, so keys can't be read or stored (the keychain said: ${said}). Unlock it and try again: log in to your desktop session, or unlock the 'Login' keyring in Passwords and Keys (Seahorse). If no keyring was ever set up, create a default one there.`,
      { cause: e },
    );
  }
  if (process.platform === 'linux') {
    const address = process.env.DBUS_SESSION_BUS_ADDRESS;
    const reason = !address
      ? 'there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)'
      : /ServiceUnknown|not provided by any \.service/i.test(raw)
        ? 'no Secret Service is running on the D-Bus session bus'
        : /failed to connect|no such file|connection refused|autolaunch/i.test(raw)
          ? `the D-Bus session bus (${address.slice(0, 120)}) can't be reached`
          : 'the Secret Service did not answer';
    return new LaurelError(
      'KEYSTORE_UNAVAILABLE',
      `The ${where} is not available: ${reason} (the keychain said: ${said}). Laurel Studio keeps private keys in a Secret Service (GNOME Keyring, KWallet or KeePassXC) reached over the D-Bus session bus: run it from a desktop session where one is running, or install one (Debian/Ubuntu: apt-get install gnome-keyring dbus-user-session, then log in again). On a machine without a keychain, use an encrypted key file instead (key store 'file:/path/to/keys.laurel').`,
      { cause: e },
    );
  }
  return new LaurelError(
    'KEYSTORE_UNAVAILABLE',
    `The ${where} is not available (the keychain said: ${said}). Check that you are logged in to a normal user session; on a machine without a keychain, use an encrypted key file instead (key store 'file:/path/to/keys.laurel').`,
    { cause: e },
  );
}
