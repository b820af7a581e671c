import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { verify as nodeVerify } from 'node:crypto';
import { AsyncEntry } from '@napi-rs/keyring';
import {
  FileKeyStore,
  KeychainKeyStore,
  createSigner,
  didKeyIssuer,
  importEd25519FromRaw,
  openKeyStore,
  publicKeyInfo,
  type KeyStore,
} from '../../core/keys/index.ts';
import { base58btcEncode } from '../../core/util/encoding.ts';
import { KEYRING, TEST_SCRYPT, expectLaurelRejection, scratchDir, testService } from './helpers.ts';

const VECTOR = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../shared/spec/ob3/examples/test-vectors/eddsa-rdfc-2022-test-vector.json'), 'utf8'),
) as Record<string, string>;

const CHILD = path.resolve(import.meta.dirname, 'fixtures/keychain-child.ts');
const PASS = 'backup passphrase 123';

type Outcome = { ok: true; value: unknown; ms: number } | { ok: false; code: string; message: string; ms: number };

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ out: Record<string, Outcome>; ms: number; stderr: string }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 30_000, cwd: path.resolve(import.meta.dirname, '../..') }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`child failed: ${err?.message ?? ''}\n${stderr}`));
      resolve({ out: JSON.parse(line) as Record<string, Outcome>, ms: Date.now() - t0, stderr });
    });
  });
}

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

function keychainStore(label: string): KeychainKeyStore {
  const store = new KeychainKeyStore({ service: testService(label), backupScrypt: TEST_SCRYPT });
  cleanups.push(async () => {
    for (const ref of await store.list()) await store.delete(ref);
    await new AsyncEntry(store.service, '__laurel_index__').deleteCredential();
  });
  return store;
}

describe.skipIf(!KEYRING)('KeychainKeyStore against the real Secret Service', () => {
  it('stores, reads, signs with and deletes keys', async () => {
    const store = keychainStore('basic');
    expect(store.kind).toBe('keychain');
    expect(store.describe()).toBe(`OS keychain (Secret Service), service '${store.service}'`);
    expect(await store.list()).toEqual([]);
    const ed = await store.generate('issuer-1');
    const rsa = await store.generate('issuer-1/jwt', 'RSA-2048');
    expect(await store.list()).toEqual(['issuer-1', 'issuer-1/jwt']);
    expect(await store.has('issuer-1')).toBe(true);

    // A second store object on the same service sees the same keys (they live in the keychain).
    const other = new KeychainKeyStore({ service: store.service });
    expect((await other.publicKey('issuer-1')).publicKeyMultibase).toBe(ed.publicKeyMultibase);
    expect((await other.publicKey('issuer-1/jwt')).publicKeyMultibase).toBe(rsa.publicKeyMultibase);

    const id = didKeyIssuer(ed);
    const signer = await store.signer('issuer-1', id.verificationMethod, id.controller);
    const msg = Buffer.from('signed from the keychain');
    expect(nodeVerify(null, msg, ed.keyObject, await signer.sign(msg))).toBe(true);

    // The item is a small JSON record (what other tools would see in Seahorse).
    const raw = JSON.parse(Buffer.from((await new AsyncEntry(store.service, 'issuer-1').getSecret())!).toString('utf8'));
    expect(Object.keys(raw).sort()).toEqual(['algorithm', 'createdAt', 'pkcs8', 'ref']);
    expect(raw.algorithm).toBe('Ed25519');

    await expectLaurelRejection(store.generate('issuer-1'), 'CONFLICT');
    expect(await store.delete('issuer-1')).toBe(true);
    expect(await store.delete('issuer-1')).toBe(false);
    expect(await store.list()).toEqual(['issuer-1/jwt']);
    expect(await store.has('issuer-1')).toBe(false);
    const e = await expectLaurelRejection(store.publicKey('issuer-1'), 'KEY_NOT_FOUND');
    expect(e.message).toContain(store.service);
    await expectLaurelRejection(store.signer('missing', id.verificationMethod, id.controller), 'KEY_NOT_FOUND');
  });

  it('a key imported into the keychain reproduces the OB 3.0 test vector signature', async () => {
    const store = keychainStore('vector');
    const raw = Buffer.from(VECTOR.privateKeyHex!, 'hex');
    const pk = await store.importPrivateKey('spec-vector', importEd25519FromRaw(raw.subarray(0, 32), raw.subarray(32)));
    expect(pk.publicKeyMultibase).toBe(VECTOR.publicKeyMultibase);
    const signer = await store.signer('spec-vector', VECTOR.verificationMethod!, VECTOR.controller!);
    const sig = await signer.sign(Buffer.from(VECTOR.dataToSignHex!, 'hex'));
    expect('z' + base58btcEncode(sig)).toBe(VECTOR.proofValue);
  });

  it('refuses an item that is not a Laurel key without quoting it', async () => {
    const store = keychainStore('corrupt');
    await store.generate('ok');
    await new AsyncEntry(store.service, 'garbage').setSecret(Buffer.from('{"secret":"hunter2-private-material"', 'utf8'));
    cleanups.push(() => new AsyncEntry(store.service, 'garbage').deleteCredential());
    const e = await expectLaurelRejection(store.publicKey('garbage'), 'INVALID_INPUT');
    expect(e.message).not.toContain('hunter2');
  });

  it('backs up keychain keys to an encrypted file and restores them into a FileKeyStore, and back', async () => {
    const kc = keychainStore('backup');
    const a = await kc.generate('a');
    const b = await kc.generate('b', 'P-256');
    const backup = await kc.exportBackup([], PASS);
    const envelope = JSON.parse(Buffer.from(backup).toString('utf8'));
    expect(envelope).toMatchObject({ version: 1, purpose: 'key-backup', kdf: { name: 'scrypt' }, cipher: { name: 'aes-256-gcm' } });
    for (const f of ['salt', 'iv', 'tag']) expect(JSON.stringify(envelope)).toContain(`"${f}"`);
    expect(typeof envelope.ciphertext).toBe('string');

    const file = await FileKeyStore.open(path.join(scratchDir('kc-backup'), 'keys.laurel'), 'file passphrase', { scrypt: TEST_SCRYPT });
    await expectLaurelRejection(file.importBackup(backup, 'wrong passphrase'), 'BAD_PASSPHRASE');
    expect(await file.importBackup(backup, PASS)).toEqual({ imported: ['a', 'b'], unchanged: [], replaced: [] });
    expect((await file.publicKey('a')).publicKeyMultibase).toBe(a.publicKeyMultibase);
    expect((await file.publicKey('b')).publicKeyMultibase).toBe(b.publicKeyMultibase);
    // Same backup again: nothing changes.
    expect(await file.importBackup(backup, PASS)).toEqual({ imported: [], unchanged: ['a', 'b'], replaced: [] });

    // File → another keychain service: a clash with a different key is a CONFLICT unless overwrite.
    const c = await file.generate('c', 'RSA-2048');
    const back = await file.exportBackup(['a', 'c'], 'second passphrase');
    const kc2 = keychainStore('restore');
    await kc2.generate('a');
    const conflict = await expectLaurelRejection(kc2.importBackup(back, 'second passphrase'), 'CONFLICT');
    expect(conflict.details).toEqual({ conflicts: ['a'] });
    expect(await kc2.list()).toEqual(['a']);
    expect(await kc2.importBackup(back, 'second passphrase', { overwrite: true })).toEqual({ imported: ['c'], unchanged: [], replaced: ['a'] });
    expect((await kc2.publicKey('a')).publicKeyMultibase).toBe(a.publicKeyMultibase);
    expect((await kc2.publicKey('c')).publicKeyMultibase).toBe(c.publicKeyMultibase);
    expect(await kc2.list()).toEqual(['a', 'c']);

    await expectLaurelRejection(kc.exportBackup(['nope'], PASS), 'KEY_NOT_FOUND');
    await expectLaurelRejection(kc.exportBackup([], 'short'), 'INVALID_INPUT');
  });

  it('openKeyStore("keychain") gives a keychain store with the service asked for', async () => {
    const service = testService('open');
    const store = (await openKeyStore('keychain', { service })) as KeyStore;
    expect(store.kind).toBe('keychain');
    expect(store.describe()).toContain(service);
    expect((await openKeyStore('keychain')).describe()).toContain("'Laurel Studio'");
  });

  it('without a D-Bus session fails fast with KEYSTORE_UNAVAILABLE naming the fix', async () => {
    for (const bus of ['unix:path=/nonexistent/laurel-test-bus', undefined]) {
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (bus) env.DBUS_SESSION_BUS_ADDRESS = bus;
      else delete env.DBUS_SESSION_BUS_ADDRESS;
      const { out, ms } = await run(process.execPath, ['--import', 'tsx', CHILD, 'unavailable'], env);
      for (const [op, o] of Object.entries(out)) {
        expect(o.ok, op).toBe(false);
        if (o.ok) continue;
        expect(o.code, `${op}: ${o.message}`).toBe('KEYSTORE_UNAVAILABLE');
        expect(o.ms, op).toBeLessThan(2000);
        expect(o.message).toMatch(/D-Bus/);
        expect(o.message).toMatch(/gnome-keyring/);
        expect(o.message).toMatch(/file:/);
      }
      expect(ms).toBeLessThan(15_000);
    }
  });

  it('a locked keyring gives KEYSTORE_LOCKED, also for keys that do not exist', async () => {
    const root = scratchDir('locked');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const d of ['data', 'runtime', 'config']) mkdirSync(path.join(root, d), { mode: 0o700 });
    env.XDG_DATA_HOME = path.join(root, 'data');
    env.XDG_RUNTIME_DIR = path.join(root, 'runtime');
    env.XDG_CONFIG_HOME = path.join(root, 'config');
    // No display: the unlock prompt can't show and is dismissed at once.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const { out } = await run(
      'dbus-run-session',
      ['--', 'sh', '-c', 'printf laurel-locked | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"', 'sh', process.execPath, '--import', 'tsx', CHILD, 'locked'],
      env,
    );
    expect(out.generate?.ok, JSON.stringify(out.generate)).toBe(true);
    for (const op of ['publicKey', 'missing', 'has', 'list', 'generate2']) {
      const o = out[op]!;
      expect(o.ok, op).toBe(false);
      if (!o.ok) {
        expect(o.code, `${op}: ${o.message}`).toBe('KEYSTORE_LOCKED');
        expect(o.message).toMatch(/locked/);
        expect(o.message).toMatch(/[Uu]nlock/);
      }
    }
  });
});

describe.skipIf(KEYRING)('KeychainKeyStore (skipped)', () => {
  it.skip('needs a Secret Service: run `npm test`, which starts one under dbus-run-session', () => {});
});

// Keep imports used when the keychain suite is skipped.
void createSigner;
void publicKeyInfo;
