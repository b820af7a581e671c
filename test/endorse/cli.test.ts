/**
 * `laurel endorse`, `laurel endorsement attach|list|detach` and `laurel upgrade` as a user runs
 * them: a child process with a key file and a workspace in a temp folder, the network blocked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { laurel } from '../cli/helpers.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, PASSPHRASE, openStudio, scratchDir } from '../issue/helpers.ts';
import { badge, makeIssuer, OB, tamper, VC2 } from '../verify/helpers.ts';
import { chunk, insertBeforeIend, itxtData, makePng } from '../bake/helpers.ts';

let dir: string;
let issuerId: string;
let env: Record<string, string>;
let keystore: string;
const run = (args: string[]) => laurel([...args, '--keystore', keystore], { env });
const file = (name: string, data: string | Uint8Array) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

beforeAll(async () => {
  dir = scratchDir('endorse-cli');
  const studio = openStudio(dir);
  issuerId = (await studio.createIssuer({ name: 'Guild of Assessors' })).id;
  studio.close();
  env = { LAUREL_WORKSPACE: path.join(dir, 'ws'), LAUREL_KEY_PASSPHRASE: PASSPHRASE };
  keystore = `file:${path.join(dir, 'keys.laurel')}`;
});

describe('laurel endorse', () => {
  it('endorses an imported badge to .json and .png; both verify, a forged badge is refused (exit 2)', async () => {
    const other = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
    const badgeFile = file('north.json', JSON.stringify(await signDataIntegrity(badge(other), other.signer)));
    const out = path.join(dir, 'endorsement.json');
    const r = await run(['endorse', badgeFile, '--issuer', 'Guild of Assessors', '--comment', 'Rigorous **peer review**.', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Endorsed the credential "Teamwork Badge" \(urn:uuid:/);
    expect(r.network).toEqual([]);
    const e = JSON.parse(readFileSync(out, 'utf8')) as JsonObject;
    expect(e.credentialSubject).toMatchObject({ endorsementComment: 'Rigorous **peer review**.' });
    expect(describeVerdict(await verifyCredential(readFileSync(out)))).toBe('valid');
    expect(dccAccepts(await dccVerify(e))).toBe(true);

    const md = file('comment.md', '# Endorsed\n\nTheir *rubric* is public.\n');
    const png = path.join(dir, 'endorsement.png');
    const r2 = await run(['endorse', badgeFile, '--part', 'issuer', '--issuer', issuerId, '--comment-file', md, '--out', png, '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout)).toMatchObject({ endorses: { kind: 'profile', id: other.id }, format: 'json', file: png });
    const baked = unbake(readFileSync(png));
    expect(JSON.parse(baked.text).credentialSubject).toMatchObject({ id: other.id, endorsementComment: '# Endorsed\n\nTheir *rubric* is public.' });
    expect(describeVerdict(await verifyCredential(readFileSync(png)))).toBe('valid');

    const forged = file('forged.json', JSON.stringify(tamper(JSON.parse(readFileSync(badgeFile, 'utf8')) as JsonObject, (d) => (d.name = 'Other'))));
    const bad = await run(['endorse', forged, '--issuer', issuerId, '--comment', 'x', '--out', path.join(dir, 'no.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/laurel: Refusing to endorse it: the credential did not verify \(it is not valid\): the signature does not match/);
    const noExt = await run(['endorse', badgeFile, '--issuer', issuerId, '--comment', 'x', '--out', path.join(dir, 'endorsement.txt')]);
    expect(noExt.stderr).toMatch(/end it in \.json, \.jwt, \.png or \.svg, or give --format/);
  }, 180_000);
});

describe('laurel endorsement attach / list / detach', () => {
  it('attaches a received endorsement; the next credential embeds it; detach stops that', async () => {
    const achievementFile = file('achievement.json', JSON.stringify(ACHIEVEMENT));
    const first = await run(['issue', '--issuer', issuerId, '--achievement', achievementFile, '--recipient', 'a@example.org', '--out', path.join(dir, 'a.json')]);
    expect(first.code, first.stderr).toBe(0);
    const board = makeIssuer('Ed25519', { kind: 'did:key' }, 'Board of Examiners');
    const endorsement = await signDataIntegrity(
      { '@context': [VC2, OB], id: 'urn:uuid:6d0a3c84-5f0e-4a51-9f44-0c6a2b1e7f01', type: ['VerifiableCredential', 'EndorsementCredential'], name: 'Board endorsement', issuer: { id: board.id, type: ['Profile'], name: 'Board of Examiners' }, validFrom: '2026-02-01T00:00:00Z', credentialSubject: { id: ACHIEVEMENT.id, type: ['EndorsementSubject'], endorsementComment: 'Meets the standard.' } },
      board.signer,
    );
    const eFile = file('received.json', JSON.stringify(endorsement));
    const a = await run(['endorsement', 'attach', eFile, '--achievement', ACHIEVEMENT.id]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/Attached #1 achievement https:\/\/acme\.example\/achievements\/first-aid\n\s+by Board of Examiners/);
    expect(a.stdout).toMatch(/embedded in every credential issued from now on/);
    const wrong = await run(['endorsement', 'attach', eFile, '--issuer', issuerId]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/This endorsement is about https:\/\/acme\.example\/achievements\/first-aid, not the issuer profile/);

    const list = await run(['endorsement', 'list']);
    expect(list.stdout).toMatch(/#1 achievement https:\/\/acme\.example\/achievements\/first-aid[\s\S]*"Meets the standard\."/);

    const out = path.join(dir, 'b.json');
    expect((await run(['issue', '--issuer', issuerId, '--achievement', achievementFile, '--recipient', 'b@example.org', '--out', out])).code).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as JsonObject;
    expect(((c.credentialSubject as JsonObject).achievement as JsonObject).endorsement).toEqual([endorsement]);
    const report = await verifyCredential(readFileSync(out));
    expect(describeVerdict(report)).toBe('valid');
    expect(report.endorsements?.[0]?.outcome).toBe('valid');
    const v = await laurel(['verify', out], { env });
    expect(v.stdout).toMatch(/endorsement \$\.credentialSubject\.achievement\.endorsement\[0\] by Board of Examiners: valid/);

    expect((await run(['endorsement', 'detach', '1'])).stdout).toMatch(/Detached #1/);
    const out2 = path.join(dir, 'c.json');
    await run(['issue', '--issuer', issuerId, '--achievement', achievementFile, '--recipient', 'c@example.org', '--out', out2]);
    expect(((JSON.parse(readFileSync(out2, 'utf8')).credentialSubject as JsonObject).achievement as JsonObject).endorsement).toBeUndefined();
  }, 180_000);
});

describe('laurel upgrade', () => {
  const assertion = {
    '@context': 'https://w3id.org/openbadges/v2',
    type: 'Assertion',
    id: 'https://example.org/beths-robotics-badge.json',
    recipient: { type: 'email', hashed: false, identity: 'beth@example.org' },
    issuedOn: '2016-12-31T23:59:59Z',
    verification: { type: 'hosted' },
    badge: {
      type: 'BadgeClass',
      id: 'https://example.org/robotics-badge.json',
      name: 'Awesome Robotics Badge',
      description: 'For doing awesome things with robots.',
      image: 'https://example.org/robotics-badge.png',
      criteria: 'https://example.org/robotics-badge.html',
      issuer: { type: 'Issuer', id: 'https://example.org/organization.json', name: 'An Example Badge Issuer', url: 'https://example.org', email: 'steved@example.org' },
    },
  };

  it('offline, refuses to re-issue an unchecked hosted badge unless --allow-unverified; then writes a credential that verifies', async () => {
    const png = file('ob2.png', insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', JSON.stringify(assertion)))));
    const v = await laurel(['verify', png], { env });
    expect(v.stdout).toMatch(/To re-issue it as Open Badges 3\.0: laurel upgrade .*ob2\.png --issuer <id or name> --out/);

    const out = path.join(dir, 'upgraded.png');
    const refused = await run(['upgrade', png, '--issuer', issuerId, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/could not be checked: a hosted badge is checked against the copy at https:\/\/example\.org\/beths-robotics-badge\.json; this ran offline/);
    expect(refused.network).toEqual([]);

    const r = await run(['upgrade', png, '--issuer', issuerId, '--out', out, '--allow-unverified']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Upgraded "Awesome Robotics Badge" from An Example Badge Issuer to Open Badges 3\.0\n\s+original: https:\/\/example\.org\/beths-robotics-badge\.json, NOT checked/);
    const report = await verifyCredential(readFileSync(out), { recipient: { identifier: 'beth@example.org' } });
    expect(describeVerdict(report)).toBe('valid');
    expect(report.container).toBe('png');
    const c = JSON.parse(unbake(readFileSync(out)).text) as JsonObject;
    expect(dccAccepts(await dccVerify(c))).toBe(true);
    expect((c.credentialSubject as JsonObject).identifier).toEqual([{ type: 'IdentityObject', hashed: false, identityHash: 'beth@example.org', identityType: 'emailAddress' }]);
  }, 180_000);
});
