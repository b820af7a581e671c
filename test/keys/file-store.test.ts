import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { verify as nodeVerify } from 'node:crypto';
import { DEFAULT_SCRYPT, FileKeyStore, didKeyIssuer, didWebIssuer, openKeyStore } from '../../core/keys/index.ts';
import { TEST_SCRYPT, expectLaurelRejection, scratchDir } from './helpers.ts';

const PASS = 'correct horse battery staple';

function newFile(name = 'keys.laurel'): string {
  return path.join(scratchDir('filestore'), name);
}

describe('FileKeyStore', () => {
  it('generates, lists, signs, reopens and deletes', async () => {
    const file = newFile();
    const store = await FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT });
    expect(store.kind).toBe('file');
    expect(store.describe()).toBe(`encrypted key file ${file}`);
    expect(await store.list()).toEqual([]);
    const ed = await store.generate('issuer-1');
    const p = await store.generate('issuer-2/jwt', 'P-256');
    expect(ed.algorithm).toBe('Ed25519');
    expect(p.algorithm).toBe('P-256');
    expect(await store.list()).toEqual(['issuer-1', 'issuer-2/jwt']);
    expect(await store.has('issuer-1')).toBe(true);
    expect(await store.has('nope')).toBe(false);
    expect((await store.publicKey('issuer-2/jwt')).publicKeyMultibase).toBe(p.publicKeyMultibase);

    const id = didKeyIssuer(ed);
    const signer = await store.signer('issuer-1', id.verificationMethod, id.controller);
    const msg = Buffer.from('hello');
    expect(nodeVerify(null, msg, ed.keyObject, await signer.sign(msg))).toBe(true);

    const again = await openKeyStore(`file:${file}`, { passphrase: PASS, scrypt: TEST_SCRYPT });
    expect(await again.list()).toEqual(['issuer-1', 'issuer-2/jwt']);
    expect((await again.publicKey('issuer-1')).publicKeyMultibase).toBe(ed.publicKeyMultibase);

    expect(await again.delete('issuer-1')).toBe(true);
    expect(await again.delete('issuer-1')).toBe(false);
    expect(await store.list()).toEqual(['issuer-2/jwt']);
    await expectLaurelRejection(store.publicKey('issuer-1'), 'KEY_NOT_FOUND');
    await expectLaurelRejection(store.signer('issuer-1', 'did:web:example.com#key-1', 'did:web:example.com'), 'KEY_NOT_FOUND');
  });

  it('refuses a taken name, a bad name and an unknown algorithm', async () => {
    const store = await FileKeyStore.open(newFile(), PASS, { scrypt: TEST_SCRYPT });
    await store.generate('k');
    await expectLaurelRejection(store.generate('k'), 'CONFLICT');
    await expectLaurelRejection(store.generate('../etc/passwd'), 'INVALID_INPUT');
    await expectLaurelRejection(store.generate('__laurel_index__'), 'INVALID_INPUT');
    await expectLaurelRejection(store.generate('x', 'secp256k1' as never), 'UNSUPPORTED');
  });

  it('writes mode 0600 via temp file + rename, with a fresh salt and IV on every write', async () => {
    const file = newFile();
    const store = await FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT });
    await store.generate('a');
    const first = JSON.parse(readFileSync(file, 'utf8'));
    await store.generate('b');
    const second = JSON.parse(readFileSync(file, 'utf8'));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.fileMode()).toBe(process.platform === 'win32' ? expect.any(Number) : 0o600);
    expect(first.kdf.salt).not.toBe(second.kdf.salt);
    expect(first.cipher.iv).not.toBe(second.cipher.iv);
    expect(second).toMatchObject({ format: 'laurel-studio-encrypted-keys', version: 1, purpose: 'keystore', kdf: { name: 'scrypt', ...TEST_SCRYPT }, cipher: { name: 'aes-256-gcm' } });
    for (const field of ['salt', 'iv', 'tag', 'ciphertext']) expect(JSON.stringify(second)).toContain(field);
    // No temp files left behind.
    expect(readdirSync(path.dirname(file))).toEqual(['keys.laurel']);
  });

  it('uses strong scrypt defaults (N=2^17, r=8, p=1) unless told otherwise', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const file = newFile();
    const store = await FileKeyStore.open(file, PASS);
    await store.generate('strong');
    expect(JSON.parse(readFileSync(file, 'utf8')).kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    const reopened = await FileKeyStore.open(file, PASS);
    expect(await reopened.list()).toEqual(['strong']);
  });

  it('wrong passphrase → BAD_PASSPHRASE at open, with a clear message', async () => {
    const file = newFile();
    await (await FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT })).generate('k');
    const e = await expectLaurelRejection(FileKeyStore.open(file, 'not the passphrase', { scrypt: TEST_SCRYPT }), 'BAD_PASSPHRASE');
    expect(e.message).toContain('Wrong passphrase');
    expect(e.message).toContain(file);
    await expectLaurelRejection(openKeyStore(`file:${file}`, { passphrase: 'wrong wrong wrong' }), 'BAD_PASSPHRASE');
    await expectLaurelRejection(openKeyStore(`file:${file}`, {}), 'INVALID_INPUT');
  });

  it('a tampered file fails its GCM tag → INVALID_INPUT "altered or damaged", not a wrong-passphrase message', async () => {
    const file = newFile();
    await (await FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT })).generate('k');
    const env = JSON.parse(readFileSync(file, 'utf8'));
    const ct = Buffer.from(env.ciphertext, 'base64');
    ct[10] = ct[10]! ^ 0x01;
    writeFileSync(file, JSON.stringify({ ...env, ciphertext: ct.toString('base64') }));
    const e = await expectLaurelRejection(FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT }), 'INVALID_INPUT');
    expect(e.message).toMatch(/altered or damaged/);
    expect(e.details).toEqual({ reason: 'tampered' });

    // The authenticated header: changing the purpose or IV also breaks the tag.
    writeFileSync(file, JSON.stringify({ ...env, cipher: { ...env.cipher, iv: Buffer.alloc(12).toString('base64') } }));
    expect((await expectLaurelRejection(FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT }), 'INVALID_INPUT')).message).toMatch(/altered/);
    writeFileSync(file, 'garbage');
    expect((await expectLaurelRejection(FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT }), 'INVALID_INPUT')).message).toMatch(/not a Laurel Studio encrypted key file/);
  });

  it('openKeyStore accepts file:/abs, file:///abs and relative paths', async () => {
    const file = newFile();
    const a = await openKeyStore(`file://${file}`, { passphrase: PASS, scrypt: TEST_SCRYPT });
    await a.generate('k');
    expect(a.describe()).toBe(`encrypted key file ${file}`);
    const rel = path.relative(process.cwd(), file);
    expect(await (await openKeyStore(`file:${rel}`, { passphrase: PASS, scrypt: TEST_SCRYPT })).list()).toEqual(['k']);
    await expectLaurelRejection(openKeyStore('file:', { passphrase: PASS }), 'INVALID_INPUT');
  });

  it('a new file needs a passphrase of 8+ characters', async () => {
    await expectLaurelRejection(FileKeyStore.open(newFile(), 'short', { scrypt: TEST_SCRYPT }), 'INVALID_INPUT');
    await expectLaurelRejection(openKeyStore('nonsense' as never), 'INVALID_INPUT');
  });

  it('serializes concurrent writes (no lost keys) across two stores on one file', async () => {
    const file = newFile();
    const a = await FileKeyStore.open(file, PASS, { scrypt: TEST_SCRYPT });
    const b = new FileKeyStore(file, PASS, { scrypt: TEST_SCRYPT });
    await Promise.all([a.generate('one'), b.generate('two'), a.generate('three', 'P-256'), b.generate('four')]);
    expect(await a.list()).toEqual(['four', 'one', 'three', 'two']);
  });

  it('signs with did:web verification methods too', async () => {
    const store = await FileKeyStore.open(newFile(), PASS, { scrypt: TEST_SCRYPT });
    const pk = await store.generate('web', 'RSA-2048');
    const id = didWebIssuer('did:web:example.com', 2);
    const s = await store.signer('web', id.verificationMethod, id.controller);
    expect(s.verificationMethod).toBe('did:web:example.com#key-2');
    expect(s.publicKey.publicKeyMultibase).toBe(pk.publicKeyMultibase);
  });
});
