import { homedir } from 'node:os';
import path from 'node:path';
import { LaurelError } from '../util/errors.ts';
import type { ScryptParams } from './envelope.ts';
import { FileKeyStore } from './file-store.ts';
import { KeychainKeyStore } from './keychain-store.ts';
import type { KeyStore } from './keystore.ts';

export type KeyStoreSpec = 'keychain' | `file:${string}`;

export interface OpenKeyStoreOptions {
  /** Required for `file:` stores. */
  passphrase?: string;
  /** Keychain service name (default 'Laurel Studio'). */
  service?: string;
  /** scrypt cost for key files and backups. Defaults stay strong; lower only in tests. */
  scrypt?: ScryptParams;
}

/**
 * Opens a key store: 'keychain' for the OS keychain, 'file:/path/keys.laurel' for an encrypted key
 * file. A file store checks the passphrase now (BAD_PASSPHRASE); the keychain is reached lazily, on
 * the first call that needs it.
 */
export async function openKeyStore(spec: KeyStoreSpec, options: OpenKeyStoreOptions = {}): Promise<KeyStore> {
  if (spec === 'keychain') {
    return new KeychainKeyStore({
      ...(options.service !== undefined ? { service: options.service } : {}),
      ...(options.scrypt ? { backupScrypt: options.scrypt } : {}),
    });
  }
  if (typeof spec === 'string' && spec.startsWith('file:')) {
    let filePath = spec.slice('file:'.length);
    if (filePath.startsWith('//')) filePath = filePath.replace(/^\/\/(localhost)?/, ''); // file:///abs/path
    if (filePath === '~' || filePath.startsWith('~/')) filePath = path.join(homedir(), filePath.slice(1));
    if (!filePath) throw new LaurelError('INVALID_INPUT', "A key file store needs a path: 'file:/path/to/keys.laurel'.");
    if (typeof options.passphrase !== 'string' || options.passphrase.length === 0) {
      throw new LaurelError('INVALID_INPUT', `The encrypted key file ${filePath} needs its passphrase.`);
    }
    return FileKeyStore.open(filePath, options.passphrase, options.scrypt ? { scrypt: options.scrypt } : {});
  }
  throw new LaurelError('INVALID_INPUT', `Unknown key store ${JSON.stringify(String(spec).slice(0, 80))}: use 'keychain' or 'file:/path/to/keys.laurel'.`);
}
