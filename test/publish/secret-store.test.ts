/**
 * Where host client secrets and tokens are kept: the OS keychain, or (with a key file) an
 * encrypted secrets file beside it. Never in the workspace.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import { afterAll, describe, expect, it } from 'vitest';
import { Studio } from '../../core/api/index.ts';
import { FileKeyStore, FileSecretStore, KeychainSecretStore, openSecretStore, secretsFileFor } from '../../core/keys/index.ts';
import { startTestHost, type TestHost } from '../host/server.ts';
import { expectLaurelError, expectLaurelRejection, testService } from '../keys/helpers.ts';
import { PASSPHRASE, TEST_SCRYPT } from '../issue/helpers.ts';
import { KEYRING, approveOverHttp, freePort, scratchDir, workspaceBytes } from './helpers.ts';

const SECRET = 'client-secret-Zm9vYmFy-0123456789';
const hosts: TestHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.close();
});

describe('FileSecretStore', () => {
  it('keeps secrets encrypted (0600, atomic), reads them back, deletes them', async () => {
    const file = path.join(scratchDir('secrets-file'), 'keys.laurel.secrets');
    const store = new FileSecretStore(file, PASSPHRASE, { scrypt: TEST_SCRYPT });
    expect(await store.get('laurel-host:a')).toBeNull();
    expect(existsSync(file)).toBe(false);
    await store.set('laurel-host:a', SECRET);
    await Promise.all([store.set('laurel-host:b', 'two'), store.set('laurel-host:c', 'three')]); // queued, none lost
    expect(await store.get('laurel-host:a')).toBe(SECRET);
    expect(await new FileSecretStore(file, PASSPHRASE).get('laurel-host:c')).toBe('three');
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from('laurel-host:a'))).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.delete('laurel-host:a')).toBe(true);
    expect(await store.delete('laurel-host:a')).toBe(false);
    expect(await store.get('laurel-host:a')).toBeNull();
    expect(store.describe()).toBe(`encrypted secrets file ${file}`);
  });

  it('refuses a wrong passphrase, a key file in its place, and bad names', async () => {
    const dir = scratchDir('secrets-bad');
    const file = path.join(dir, 's.secrets');
    await new FileSecretStore(file, PASSPHRASE, { scrypt: TEST_SCRYPT }).set('x', 'y');
    await expectLaurelRejection(new FileSecretStore(file, 'not the passphrase').get('x'), 'BAD_PASSPHRASE');
    // A key file is an envelope for another purpose: not read as secrets.
    const keyFile = path.join(dir, 'keys.laurel');
    await new FileKeyStore(keyFile, PASSPHRASE, { scrypt: TEST_SCRYPT }).generate('ed25519');
    await expectLaurelRejection(new FileSecretStore(keyFile, PASSPHRASE).get('x'), 'INVALID_INPUT');
    writeFileSync(path.join(dir, 'junk.secrets'), 'not an envelope');
    await expectLaurelRejection(new FileSecretStore(path.join(dir, 'junk.secrets'), PASSPHRASE).get('x'), 'INVALID_INPUT');
    const store = new FileSecretStore(file, PASSPHRASE, { scrypt: TEST_SCRYPT });
    await expectLaurelRejection(store.get('../etc/passwd'), 'INVALID_INPUT');
    expectLaurelError(() => new FileSecretStore(file, ''), 'INVALID_INPUT');
    expect(secretsFileFor('/a/keys.laurel')).toBe('/a/keys.laurel.secrets');
    expect(openSecretStore(`file:${keyFile}`, { passphrase: PASSPHRASE })).toMatchObject({ kind: 'file', filePath: `${keyFile}.secrets` });
    expectLaurelError(() => openSecretStore(`file:${keyFile}`), 'INVALID_INPUT');
    expectLaurelError(() => openSecretStore('vault:x' as never), 'INVALID_INPUT');
  });
});

describe.runIf(KEYRING)('KeychainSecretStore', () => {
  it('stores bytes under the service, readable by any Secret Service client', async () => {
    const service = testService('secret-store');
    const store = new KeychainSecretStore({ service });
    expect(await store.get('laurel-host:k')).toBeNull();
    await store.set('laurel-host:k', `${SECRET} ✓`);
    expect(await store.get('laurel-host:k')).toBe(`${SECRET} ✓`);
    const raw = await new AsyncEntry(service, 'laurel-host:k', { linux: { store: 'secret-service' } }).getSecret();
    expect(Buffer.from(raw!).toString('utf8')).toBe(`${SECRET} ✓`);
    expect(await store.delete('laurel-host:k')).toBe(true);
    expect(await store.get('laurel-host:k')).toBeNull();
    expect(store.describe()).toContain(service);
  });
});

describe('a studio with a key file keeps host secrets in the secrets file beside it', () => {
  it('connects and publishes with nothing secret in the workspace or in the clear on disk', async () => {
    const host = await startTestHost();
    hosts.push(host);
    const dir = scratchDir('secrets-studio');
    const keyFile = path.join(dir, 'keys.laurel');
    const studio = Studio.open({ workspace: path.join(dir, 'ws'), keystore: `file:${keyFile}`, passphrase: PASSPHRASE, scrypt: TEST_SCRYPT, face: 'test', publishing: { callbackPort: await freePort() } });
    try {
      await studio.addHost(host.url, { name: 'w' });
      const view = await studio.connectHost('w', { openUrl: async (u) => void (await approveOverHttp(u)) });
      expect(view.secretsKept).toBe(`encrypted secrets file ${keyFile}.secrets`);
      const client = [...host.clients.values()][0]!;
      const onDisk = readFileSync(`${keyFile}.secrets`);
      const secrets = [client.secret, ...host.issuedTokens()];
      for (const s of secrets) {
        expect(onDisk.includes(Buffer.from(s))).toBe(false);
        expect(workspaceBytes(dir).includes(Buffer.from(s))).toBe(false);
      }
      const inFile = JSON.parse((await new FileSecretStore(`${keyFile}.secrets`, PASSPHRASE).get(studio.db.prepare('SELECT secret_ref FROM hosts').pluck().get() as string))!) as Record<string, string>;
      expect(inFile.clientSecret).toBe(client.secret);
      expect(host.issuedTokens()).toContain(inFile.accessToken);
    } finally {
      studio.close();
    }
  });
});
