/**
 * `laurel verify <file|url> [--online] [--recipient …] [--status-list …] [--json]` in a child
 * process with the network guard loaded: loopback test servers only, exit codes as in Step 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signDataIntegrity, signJwt } from '../../core/proof/index.ts';
import { hashIdentity } from '../../core/model/index.ts';
import { encodeBitstring, newBitstring, setBit } from '../../core/status/index.ts';
import { laurel } from '../cli/helpers.ts';
import { chunk, insertBeforeIend, itxtData, makePng } from '../bake/helpers.ts';
import { badge, CLR, makeIssuer, OB, OB_EXT, publicJwk, scratchDir, serve, VC2, type Host } from './helpers.ts';

let host: Host;
let dir: string;
let workspace: string;
beforeAll(async () => {
  host = await serve();
  dir = scratchDir('laurel-verify-cli-');
  workspace = path.join(dir, 'ws');
});
afterAll(() => host.close());

const file = (name: string, body: string | Uint8Array) => {
  const f = path.join(dir, name);
  writeFileSync(f, body);
  return f;
};
const verify = (...args: string[]) => laurel(['verify', ...args, '--workspace', workspace]);

describe('laurel verify', () => {
  it('--recipient: exit 0 when it was issued to that address (any letter case), 1 when not', async () => {
    const issuer = makeIssuer('Ed25519', { kind: 'did:key' }, 'Recipient School');
    const cred = JSON.parse(JSON.stringify(badge(issuer, { subject: { id: undefined, identifier: [{ type: 'IdentityObject', hashed: true, identityHash: hashIdentity('jane@example.org', 's4lt'), identityType: 'emailAddress', salt: 's4lt' }] } })));
    const f = file('jane.json', JSON.stringify(await signDataIntegrity(cred, issuer.signer)));
    const yes = await verify(f, '--recipient', 'Jane@Example.org');
    expect(yes.code, yes.stdout + yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/\[PASS\] Issued to this person: issued to "Jane@Example.org": .*after lowercasing/);
    const no = await verify(f, '--recipient', 'john@example.org');
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/^.*: NOT VALID\n[\s\S]*\[FAIL\] Issued to this person: not issued to "john@example.org"/);
    expect([...yes.network, ...no.network]).toEqual([]);
  });

  it('a URL: refused offline (exit 2), fetched with --online; status lists and keys too; the key copy is kept for offline use', async () => {
    const base = host.origin;
    const issuerId = `${base}/issuer`;
    const issuer = makeIssuer('P-256', { kind: 'key-url', id: issuerId, keyUrl: `${base}/keys/1.json` }, 'Loopback College');
    host.routes.set('/keys/1.json', ['application/jwk+json', JSON.stringify(publicJwk(issuer))]);
    const jwt = await signJwt(badge(issuer), issuer.signer);
    host.routes.set('/c/1.jwt', ['application/jwt', jwt]);

    const offline = await verify(`${base}/c/1.jwt`);
    expect(offline.code).toBe(2);
    expect(offline.stderr + offline.stdout).toMatch(/verify online/);
    const online = await verify(`${base}/c/1.jwt`, '--online', '--json');
    expect(online.code, online.stdout).toBe(0);
    const report = JSON.parse(online.stdout);
    expect(report).toMatchObject({ verdict: 'valid', kind: 'ob3', format: 'jwt', url: `${base}/c/1.jwt` });
    expect(online.network).toEqual([]);

    // The key document was saved in the workspace; offline, the same file verifies from that copy.
    const cache = path.join(workspace, 'cache', 'remote');
    expect(existsSync(cache) && readdirSync(cache).length).toBe(1);
    const f = file('loopback.jwt', jwt);
    const again = await verify(f);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/checked with a copy fetched on \d{4}-\d{2}-\d{2}/);

    // A revoked credential, its list on the loopback host.
    const ed = makeIssuer('Ed25519', { kind: 'did:key' }, 'Status School');
    const list = `${base}/status/1.json`;
    const bits = newBitstring();
    setBit(bits, 11, true);
    const signedList = await signDataIntegrity(
      { '@context': [VC2], id: list, type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: ed.id, validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: `${list}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeBitstring(bits) } },
      ed.signer,
    );
    host.routes.set('/status/1.json', ['application/vc+ld+json', JSON.stringify(signedList)]);
    const revoked = file('revoked.json', JSON.stringify(await signDataIntegrity(badge(ed, { credentialStatus: { id: `${list}#11`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '11', statusListCredential: list } }), ed.signer)));
    const r = await verify(revoked, '--online');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT VALID \(revoked by its issuer\)[\s\S]*\[FAIL\] Revocation status: revoked: entry 11 is set/);
    expect((await verify(revoked)).code).toBe(3);
  });

  it('a CLR prints a line per bundled credential; an OB 2.0 badge is named (exit 2)', async () => {
    const publisher = makeIssuer('Ed25519', { kind: 'did:key' }, 'Records Office');
    const school = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
    const inner = await signDataIntegrity(badge(school), school.signer);
    const record = await signDataIntegrity(
      {
        '@context': [VC2, CLR, OB, OB_EXT],
        id: 'urn:uuid:c1c1c1c1-0000-4000-8000-0000000000aa',
        type: ['VerifiableCredential', 'ClrCredential'],
        issuer: { id: publisher.id, type: ['Profile'], name: 'Records Office' },
        validFrom: '2026-02-01T00:00:00Z',
        name: 'Transcript',
        credentialSubject: { id: 'did:example:learner-1', type: ['ClrSubject'], verifiableCredential: [inner] },
      },
      publisher.signer,
    );
    const r = await verify(file('clr.json', JSON.stringify(record)));
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[PASS\] Credentials in this record: the bundled credential verified\n\s+credential 1 in the record: VALID\n\s+OpenBadgeCredential: Teamwork, issued by North School/);

    const ob2 = await verify(file('ob2.png', insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', 'https://example.org/assertions/1')))));
    expect(ob2.code).toBe(2);
    expect(ob2.stdout).toMatch(/AN OPEN BADGES 2\.0 BADGE \(not checked\)[\s\S]*can be upgraded/);
  });

  it('--help names the new options', async () => {
    const r = await laurel(['verify', '--help']);
    expect(r.stdout).toMatch(/laurel verify <file\|url> \[--online\] \[--recipient <email or id>\]/);
  });
});
