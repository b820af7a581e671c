import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { inspect } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { AsyncEntry } from '@napi-rs/keyring';
import {
  FileKeyStore,
  KeychainKeyStore,
  createSigner,
  generateKeyPair,
  publicKeyFromJwk,
  resolveJwkHeader,
  type KeyAlgorithm,
  type KeyStore,
} from '../../core/keys/index.ts';
import { seal } from '../../core/keys/envelope.ts';
import { isLaurelError } from '../../core/util/errors.ts';
import { KEYRING, TEST_SCRYPT, scratchDir, testService } from './helpers.ts';

/** Every string form a private key could leak in, including fragments of it. */
function secretsOf(privateKey: KeyObject): string[] {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const d = privateKey.export({ format: 'jwk' }).d as string;
  const dBytes = Buffer.from(d, 'base64url');
  const out = [
    der.toString('base64'),
    der.toString('base64url'),
    der.toString('hex'),
    // The tail of the DER is where the secret sits (the head is a public, shared prefix).
    der.toString('base64').slice(-40),
    der.toString('hex').slice(-40),
    d,
    dBytes.toString('hex'),
    dBytes.toString('base64'),
  ];
  for (const s of [d, dBytes.toString('hex'), dBytes.toString('base64')]) out.push(s.slice(0, 16), s.slice(-16));
  return out;
}

/** Everything an error exposes as text: message, cause chain, details. */
function texts(e: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 5; i++) {
    const err = cur as { message?: unknown; details?: unknown; cause?: unknown };
    out.push(String(err.message ?? cur));
    if (err.details !== undefined) out.push(JSON.stringify(err.details));
    cur = err.cause;
  }
  return out;
}

async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

interface Sample {
  alg: KeyAlgorithm;
  privateKey: KeyObject;
  other: KeyObject;
  secrets: string[];
}

async function samples(): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const alg of ['Ed25519', 'P-256', 'RSA-2048'] as const) {
    const { privateKey } = await generateKeyPair(alg);
    const { privateKey: other } = await generateKeyPair(alg);
    out.push({ alg, privateKey, other, secrets: [...secretsOf(privateKey), ...secretsOf(other)] });
  }
  return out;
}

/** Drives a store through its failure paths and returns everything it said. */
async function exercise(store: KeyStore, keys: Sample[]): Promise<string[]> {
  const said: string[] = [store.describe(), inspect(store, { depth: 4, showHidden: true })];
  const errors: unknown[] = [];
  for (const k of keys) {
    const ref = `leak-${k.alg}`;
    await store.importPrivateKey(ref, k.privateKey);
    errors.push(await caught(() => store.importPrivateKey(ref, k.other)));
    errors.push(await caught(() => store.generate(ref)));
    const pk = await store.publicKey(ref);
    said.push(JSON.stringify({ ...pk, keyObject: undefined }));
    errors.push(await caught(() => store.signer(ref, 'https://example.org/issuer#zWrongKey1', 'https://example.org/issuer')));
    errors.push(await caught(() => store.signer(ref, 'https://example.org/a#k', 'https://example.org/b')));
    const signer = await store.signer(ref, 'did:web:example.org#key-1', 'did:web:example.org');
    said.push(inspect(signer, { depth: 6, showHidden: true }), JSON.stringify({ ...signer, publicKey: undefined }));
    errors.push(await caught(() => publicKeyFromJwk(k.privateKey.export({ format: 'jwk' }))));
    errors.push(await caught(() => resolveJwkHeader(k.privateKey.export({ format: 'jwk' }))));
    errors.push(await caught(() => createSigner({ privateKey: k.privateKey, verificationMethod: 'did:key:z6MkWrong#z6MkWrong', controller: 'did:key:z6MkWrong' })));
  }
  errors.push(await caught(() => store.publicKey('missing-key')));
  errors.push(await caught(() => store.exportBackup(['missing-key'], 'long enough passphrase')));
  const backup = await store.exportBackup([], 'long enough passphrase');
  said.push(Buffer.from(backup).toString('utf8'));
  errors.push(await caught(() => store.importBackup(backup, 'the wrong passphrase')));
  const tampered = JSON.parse(Buffer.from(backup).toString('utf8'));
  const ct = Buffer.from(tampered.ciphertext, 'base64');
  ct[5] = ct[5]! ^ 1;
  tampered.ciphertext = ct.toString('base64');
  errors.push(await caught(() => store.importBackup(Buffer.from(JSON.stringify(tampered)), 'long enough passphrase')));

  // A backup whose records are inconsistent: the algorithm label lies, or the PKCS#8 is cut short.
  const k0 = keys[0]!;
  const der = k0.privateKey.export({ format: 'der', type: 'pkcs8' });
  for (const record of [
    { ref: 'liar', algorithm: 'P-256', pkcs8: der.toString('base64'), createdAt: '' },
    { ref: 'cut', algorithm: 'Ed25519', pkcs8: der.subarray(0, der.length - 3).toString('base64'), createdAt: '' },
  ]) {
    const { bytes } = await seal(Buffer.from(JSON.stringify({ version: 1, keys: [record] })), 'long enough passphrase', 'key-backup', TEST_SCRYPT);
    errors.push(await caught(() => store.importBackup(bytes, 'long enough passphrase')));
  }
  // A second store importing the same refs with different keys → CONFLICT listing names only.
  said.push(JSON.stringify(await store.list()));

  for (const e of errors) {
    expect(isLaurelError(e), String(e)).toBe(true);
    said.push(...texts(e));
  }
  return said;
}

function expectNoSecrets(said: string[], keys: Sample[]): void {
  // The detector itself must catch a leak, or a green run proves nothing.
  const probe = keys[0]!.privateKey.export({ format: 'jwk' }).d as string;
  expect(keys.some((k) => k.secrets.some((s) => `error: ${probe.slice(0, 20)}`.includes(s)))).toBe(true);
  for (const text of said) {
    for (const k of keys) {
      for (const s of k.secrets) expect(text.includes(s), `leaked ${k.alg} key material in: ${text.slice(0, 200)}`).toBe(false);
    }
  }
}

describe('no private key material in errors, describe() or list()', () => {
  it('FileKeyStore', async () => {
    const keys = await samples();
    const passphrase = 'file store passphrase';
    const file = path.join(scratchDir('noleak'), 'keys.laurel');
    const store = await FileKeyStore.open(file, passphrase, { scrypt: TEST_SCRYPT });
    const said = await exercise(store, keys);
    said.push(...texts(await caught(() => FileKeyStore.open(file, 'bad passphrase!', { scrypt: TEST_SCRYPT }))));
    expectNoSecrets(said, keys);
    for (const text of said) expect(text.includes(passphrase), `passphrase leaked in: ${text.slice(0, 200)}`).toBe(false);
  });

  it.skipIf(!KEYRING)('KeychainKeyStore', async () => {
    const keys = await samples();
    const store = new KeychainKeyStore({ service: testService('noleak'), backupScrypt: TEST_SCRYPT });
    try {
      const said = await exercise(store, keys);
      // Items that are not Laurel records, holding real key material in other shapes.
      const k = keys[1]!;
      const der = k.privateKey.export({ format: 'der', type: 'pkcs8' });
      const shapes = [
        der.toString('base64'),
        JSON.stringify(k.privateKey.export({ format: 'jwk' })),
        JSON.stringify({ ref: 'shape-2', algorithm: 'Ed25519', pkcs8: der.toString('base64'), createdAt: '' }),
        JSON.stringify({ ref: 'someone-else', algorithm: 'P-256', pkcs8: der.toString('base64'), createdAt: '' }),
        JSON.stringify({ ref: 'shape-4', algorithm: 'P-256', pkcs8: der.subarray(0, 40).toString('base64') }),
      ];
      for (const [i, shape] of shapes.entries()) {
        await new AsyncEntry(store.service, `shape-${i}`).setSecret(Buffer.from(shape, 'utf8'));
        const e = await caught(() => store.publicKey(`shape-${i}`));
        expect(isLaurelError(e), String(e)).toBe(true);
        said.push(...texts(e));
        await new AsyncEntry(store.service, `shape-${i}`).deleteCredential();
      }
      expectNoSecrets(said, keys);
    } finally {
      for (const ref of await store.list()) await store.delete(ref);
      await new AsyncEntry(store.service, '__laurel_index__').deleteCredential();
    }
  });
});
