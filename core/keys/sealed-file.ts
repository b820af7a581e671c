import { readFile } from 'node:fs/promises';
import { LaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';
import { seal, unseal, type DerivedKey, type EnvelopePurpose, type ScryptParams } from './envelope.ts';

/**
 * One passphrase-encrypted file (the envelope), read whole and replaced whole: the key file
 * (file-store.ts) and the host secrets file beside it (secret-store.ts). `what` names it in
 * messages ("encrypted key file /path"); the derived key is passed back for the next read.
 */
export async function readSealedFile(
  filePath: string,
  passphrase: string,
  o: { purpose: EnvelopePurpose; what: string; cached?: DerivedKey | undefined },
): Promise<{ plaintext: Buffer; key: DerivedKey } | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new LaurelError('KEYSTORE_UNAVAILABLE', `Can't read the ${o.what} (${code ?? 'error'}). Check that it exists and that you may read it.`, { cause: e });
  }
  return unseal(bytes, passphrase, { purposes: [o.purpose], what: `the ${o.what}`, ...(o.cached ? { cached: o.cached } : {}) });
}

/** Encrypts with a fresh salt and IV and replaces the file atomically, mode 0600. */
export async function writeSealedFile(filePath: string, plaintext: Uint8Array, passphrase: string, o: { purpose: EnvelopePurpose; what: string; scrypt: ScryptParams }): Promise<DerivedKey> {
  const { bytes, key } = await seal(plaintext, passphrase, o.purpose, o.scrypt);
  try {
    await atomicWrite(filePath, bytes, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LaurelError('KEYSTORE_UNAVAILABLE', `Can't write the ${o.what} (${code ?? 'error'}). Check the folder exists and is writable.`, { cause: e });
  }
  return key;
}
