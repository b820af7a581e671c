/**
 * Air-gapped signing end to end: a preparer workspace and a signer workspace (own databases and
 * key stores; the signer's key in the keychain), request → review → sign → import → export, the
 * signer under a guard that fails on any connection; every credential checked by verifier-core.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBody, fingerprint, sealBundle, sealRequest, type SignedBundle, type SigningRequest } from '../../core/airgap/index.ts';
import { unbake } from '../../core/bake/index.ts';
import { listAudit } from '../../core/store/index.ts';
import { isLaurelError, type LaurelError } from '../../core/util/errors.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, edit, roster, withoutNetwork, workspaces, type Pair } from './helpers.ts';

let w: Pair;
beforeAll(async () => {
  w = await workspaces('airgap');
});
afterAll(() => {
  w?.preparer.close();
  w?.signer.close();
});

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<LaurelError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isLaurelError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal, but it was accepted');
}

let rosterCount = 0;
/** A fresh request: its own roster (so its own batch) unless `rosterBytes` is given. */
async function request(n = 4, extra: Record<string, unknown> = {}, rosterBytes?: Buffer) {
  const r = rosterBytes ?? roster(n, 'Name,Email', (i) => `Learner ${rosterCount}-${i},learner.${rosterCount}.${i}@example.org`);
  rosterCount++;
  return w.preparer.createSigningRequest({ issuer: w.issuerId, roster: { bytes: r, name: 'class.csv' }, achievement: { json: ACHIEVEMENT }, formats: ['json', 'png'], ...extra });
}

const req = (bytes: Uint8Array): SigningRequest => JSON.parse(Buffer.from(bytes).toString('utf8')) as SigningRequest;
const reseal = (bytes: Uint8Array, change: (r: SigningRequest) => void): Uint8Array =>
  edit<SigningRequest>(bytes, (r) => {
    change(r);
    Object.assign(r, sealRequest(digestBody(r)));
  });
const resealBundle = (bytes: Uint8Array, change: (b: SignedBundle) => void): Uint8Array =>
  edit<SignedBundle>(bytes, (b) => {
    change(b);
    Object.assign(b, sealBundle(digestBody(b)));
  });

describe('request → review → sign → import → export', () => {
  it('issues every credential through the air gap; each verifies with verifier-core', async () => {
    const made = await request(6);
    expect(made.request.count).toBe(6);
    expect(w.preparer.getBatch(made.prepared.batch.id).signing).toBe('awaiting-signature');
    // The preparer has the issuer but not its key: it can't sign the batch itself.
    const direct = await refusal(w.preparer.runBatch(made.prepared.batch.id));
    expect(direct.message).toMatch(/awaiting its signature/);

    const { value, attempts } = await withoutNetwork(async () => {
      const review = w.signer.reviewSigningRequest(made.bytes);
      const approved = await w.signer.approveSigningRequest(made.bytes);
      return { review, approved };
    });
    expect(attempts).toEqual([]);
    const { review, approved } = value;
    expect(review.fingerprint).toBe(fingerprint(made.request.digest.value));
    expect(review.issuer.id).toBe(w.issuerId);
    expect(review.count).toBe(6);
    expect(review.recipients.map((r) => r.email)).toEqual(made.request.credentials.map((c) => c.recipient.email));
    expect(review.sample.length).toBe(6);
    expect(review.achievements[0]!.name).toBe(ACHIEVEMENT.name);
    expect(review.warnings).toEqual([]);
    expect(review.firstCredential).toEqual(made.request.credentials[0]!.credential);
    expect(review.contexts.map((c) => c.url)).toContain('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json');
    // The approval is in the signer's audit log and in the bundle, bound to the request digest.
    const audit = listAudit(w.signer.db, 20).find((a) => a.action === 'request.approve' && a.subject === made.request.requestId)!;
    expect(audit.sha256).toBe(made.request.digest.value);
    expect(approved.bundle.audit.seq).toBe(audit.seq);
    expect(approved.bundle.request.digest).toBe(made.request.digest.value);

    const out = path.join(w.dir, 'export-1');
    const imported = await w.preparer.importSignedBundle(approved.bytes, { outDir: out });
    expect(imported.imported).toBe(6);
    expect(imported.summary.state).toBe('completed');
    expect(w.preparer.getBatch(made.prepared.batch.id).signing).toBe('imported');
    expect(w.preparer.signingRequests().made.find((r) => r.requestId === made.request.requestId)?.state).toBe('imported');
    const rows = w.preparer.db.prepare('SELECT body FROM credentials WHERE batch_id = ? ORDER BY rowid_pk').all(made.prepared.batch.id) as Array<{ body: Buffer }>;
    expect(rows).toHaveLength(6);
    const files = readdirSync(out);
    expect(files.filter((f) => f.endsWith('.json') && f !== 'manifest.json')).toHaveLength(6);
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(6);
    for (const f of files.filter((x) => x.endsWith('.json') && x !== 'manifest.json')) {
      const credential = JSON.parse(readFileSync(path.join(out, f), 'utf8')) as Record<string, unknown>;
      expect(dccAccepts(await dccVerify(credential)), f).toBe(true);
      expect(rows.some((r) => r.body.toString('utf8') === readFileSync(path.join(out, f), 'utf8'))).toBe(true);
    }
    // The baked image carries the very credential signed on the other machine.
    const png = files.find((f) => f.endsWith('.png'))!;
    const baked = unbake(readFileSync(path.join(out, png)));
    expect(readFileSync(path.join(out, png.replace(/\.png$/, '.json')), 'utf8')).toBe(baked.text);

    // Continues as if signed here, with no key: a lost file is written again from the stored credential.
    const lost = files.find((f) => f.endsWith('.json') && f !== 'manifest.json')!;
    rmSync(path.join(out, lost));
    const rerun = await w.preparer.runBatch(made.prepared.batch.id);
    expect(rerun.repairedFiles).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(out, lost))).toBe(true);
    expect(w.preparer.getBatch(made.prepared.batch.id).signing).toBe('imported');

    // Importing the same bundle again is a replay.
    const again = await refusal(w.preparer.importSignedBundle(approved.bytes));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toMatch(/already imported.*replay/);
    // The signer hands out the same bundle again without signing twice.
    const second = await w.signer.approveSigningRequest(made.bytes);
    expect(second.again).toBe(true);
    expect(Buffer.from(second.bytes).equals(Buffer.from(approved.bytes))).toBe(true);
  });

  it('signs VC-JWTs too when the request asks for them (P-256 issuer)', async () => {
    const p256 = await w.signer.createIssuer({ name: 'Acme Registrar', key: 'P-256' });
    w.preparer.importIssuer(w.signer.exportIssuer(p256.id).bytes);
    const made = await w.preparer.createSigningRequest({ issuer: p256.id, roster: { bytes: roster(2, 'Name,Email', (i) => `Jwt ${i},jwt.${i}@example.org`), name: 'jwt.csv' }, achievement: { json: ACHIEVEMENT }, formats: ['json', 'jwt'] });
    const { value: approved, attempts } = await withoutNetwork(() => w.signer.approveSigningRequest(made.bytes));
    expect(attempts).toEqual([]);
    const out = path.join(w.dir, 'export-jwt');
    const imported = await w.preparer.importSignedBundle(approved.bytes, { outDir: out, formats: ['jwt'] });
    expect(imported.summary.counts.exported).toBe(2);
    const jwts = readdirSync(out).filter((f) => f.endsWith('.jwt'));
    expect(jwts).toHaveLength(2);
    for (const f of jwts) expect((await w.preparer.verify(readFileSync(path.join(out, f), 'utf8'))).verdict).toBe('valid');
  });
});

describe('the signer refuses a changed request, saying what changed', () => {
  it('a changed recipient', async () => {
    const made = await request(3);
    const target = made.request.credentials[1]!;
    const tampered = edit<SigningRequest>(made.bytes, (r) => {
      r.credentials[1]!.recipient.email = 'mallory@example.org';
    });
    const e = await refusal(() => w.signer.reviewSigningRequest(tampered));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toContain(`credential ${target.credentialId}: its recipient (now Learner`);
    expect(e.message).toContain('mallory@example.org');
    // Resealed (the digest recomputed), the credential itself still names someone else.
    const resealed = reseal(made.bytes, (r) => {
      r.credentials[1]!.recipient.email = 'mallory@example.org';
    });
    const e2 = await refusal(() => w.signer.reviewSigningRequest(resealed));
    expect(e2.message).toContain(`credential ${target.credentialId} (${target.recipient.name} <mallory@example.org>): the credential does not name this recipient`);
  });

  it('a changed unsigned credential, an added and a removed credential', async () => {
    const made = await request(3);
    const [a, b] = made.request.credentials;
    const changed = edit<SigningRequest>(made.bytes, (r) => {
      (r.credentials[0]!.credential.credentialSubject as Record<string, unknown>).name = 'Someone Else';
    });
    expect((await refusal(() => w.signer.reviewSigningRequest(changed))).message).toContain(`credential ${a!.credentialId} (${a!.recipient.name} <${a!.recipient.email}>): the unsigned credential differs`);
    const added = edit<SigningRequest>(made.bytes, (r) => {
      const copy = JSON.parse(JSON.stringify(r.credentials[0])) as SigningRequest['credentials'][number];
      copy.credentialId = 'urn:uuid:00000000-0000-4000-8000-0000000000ad';
      r.credentials.push(copy);
    });
    expect((await refusal(() => w.signer.reviewSigningRequest(added))).message).toContain('credential urn:uuid:00000000-0000-4000-8000-0000000000ad');
    expect((await refusal(() => w.signer.reviewSigningRequest(added))).message).toMatch(/was added/);
    const removed = edit<SigningRequest>(made.bytes, (r) => {
      r.credentials.splice(1, 1);
    });
    const e = await refusal(() => w.signer.reviewSigningRequest(removed));
    expect(e.message).toContain(`credential ${b!.credentialId} was removed`);
  });

  it('a swapped context (another context URL, or other bytes for the same URL)', async () => {
    const made = await request(2);
    const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
    const OLD = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json';
    const unsealed = edit<SigningRequest>(made.bytes, (r) => {
      r.contexts[OB] = '0'.repeat(64);
    });
    expect((await refusal(() => w.signer.reviewSigningRequest(unsealed))).message).toContain('"contexts" differs from what was prepared');
    const otherBytes = reseal(made.bytes, (r) => {
      r.contexts[OB] = '0'.repeat(64);
    });
    const e = await refusal(() => w.signer.reviewSigningRequest(otherBytes));
    expect(e.code).toBe('CONTEXT_INTEGRITY');
    expect(e.message).toContain(`${OB}: the preparer's copy has SHA-256 ${'0'.repeat(64)}, this studio's pinned copy has`);
    const swapped = reseal(made.bytes, (r) => {
      const sha = r.contexts[OB]!;
      delete r.contexts[OB];
      r.contexts[OLD] = sha;
      for (const c of r.credentials) c.credential['@context'] = (c.credential['@context'] as string[]).map((u) => (u === OB ? OLD : u));
    });
    const e2 = await refusal(() => w.signer.reviewSigningRequest(swapped));
    expect(e2.code).toBe('CONTEXT_INTEGRITY');
    expect(e2.message).toContain(`${OLD}: the preparer's copy has SHA-256`);
  });

  it('a request for an issuer or key this workspace does not have', async () => {
    const made = await request(1);
    const other = reseal(made.bytes, (r) => {
      r.issuer.verificationMethod = `${r.issuer.id}#z6MkOther`;
    });
    expect((await refusal(() => w.signer.reviewSigningRequest(other))).message).toMatch(/names the key .*#z6MkOther/);
  });
});

describe('the preparer refuses a bundle that does not answer its request exactly', () => {
  it('an added credential, a removed credential, a changed credential, a broken signature', async () => {
    const made = await request(3);
    const extra = await request(1);
    const { value: approved } = await withoutNetwork(() => w.signer.approveSigningRequest(made.bytes));
    const { value: other } = await withoutNetwork(() => w.signer.approveSigningRequest(extra.bytes));
    const stranger = other.bundle.credentials[0]!;
    const added = resealBundle(approved.bytes, (b) => {
      b.credentials.push(stranger);
    });
    const e1 = await refusal(w.preparer.importSignedBundle(added));
    expect(e1.message).toContain(`added: ${stranger.credentialId}, which the request did not ask for`);
    const gone = made.request.credentials[2]!;
    const removed = resealBundle(approved.bytes, (b) => {
      b.credentials.pop();
    });
    const e2 = await refusal(w.preparer.importSignedBundle(removed));
    expect(e2.message).toContain(`missing: ${gone.credentialId} (${gone.recipient.name} <${gone.recipient.email}>)`);
    const unsealed = edit<SignedBundle>(approved.bytes, (b) => {
      b.credentials.pop();
    });
    expect((await refusal(w.preparer.importSignedBundle(unsealed))).message).toMatch(/changed after it was signed/);
    const changed = resealBundle(approved.bytes, (b) => {
      const c = JSON.parse(b.credentials[0]!.json!) as Record<string, unknown>;
      (c.credentialSubject as Record<string, unknown>).name = 'Mallory';
      b.credentials[0]!.json = JSON.stringify(c, null, 2) + '\n';
    });
    expect((await refusal(w.preparer.importSignedBundle(changed))).message).toContain('the signed credential differs from the one requested at $.credentialSubject.name');
    const forged = resealBundle(approved.bytes, (b) => {
      const c = JSON.parse(b.credentials[1]!.json!) as { proof: Array<{ proofValue: string }> };
      const v = c.proof[0]!.proofValue;
      c.proof[0]!.proofValue = v.slice(0, 10) + (v[10] === 'A' ? 'B' : 'A') + v.slice(11);
      b.credentials[1]!.json = JSON.stringify(c, null, 2) + '\n';
    });
    const e4 = await refusal(w.preparer.importSignedBundle(forged));
    expect(e4.message).toContain(`${made.request.credentials[1]!.credentialId}`);
    expect(e4.message).toMatch(/does not verify/);
    // Signed by another key (an attacker's did:key): it verifies on its own, but it is not the issuer's.
    const { createSigner, didKeyIssuer, generateKeyPair } = await import('../../core/keys/index.ts');
    const { signDataIntegrity } = await import('../../core/proof/index.ts');
    const pair = await generateKeyPair('Ed25519');
    const mallory = didKeyIssuer(pair.publicKey);
    const otherKey = createSigner({ privateKey: pair.privateKey, verificationMethod: mallory.verificationMethod, controller: mallory.issuerId });
    const foreign = await signDataIntegrity(made.request.credentials[0]!.credential as never, otherKey);
    const wrongKey = resealBundle(approved.bytes, (b) => {
      b.credentials[0]!.json = JSON.stringify(foreign, null, 2) + '\n';
    });
    expect((await refusal(w.preparer.importSignedBundle(wrongKey))).message).toContain(`signed with ${mallory.verificationMethod}, not with the issuer's key`);
    // Nothing of the refused bundles was stored; the genuine one still imports.
    expect((w.preparer.db.prepare('SELECT count(*) AS n FROM credentials WHERE batch_id = ?').get(made.prepared.batch.id) as { n: number }).n).toBe(0);
    const ok = await w.preparer.importSignedBundle(approved.bytes, { outDir: path.join(w.dir, 'export-ok') });
    expect(ok.imported).toBe(3);
  });

  it('a bundle from another request', async () => {
    // Another preparer's request, signed by the same officer: not a request this workspace made.
    const { Studio } = await import('../../core/api/index.ts');
    const elsewhere = Studio.open({ workspace: path.join(w.dir, 'elsewhere'), keystore: `file:${path.join(w.dir, 'elsewhere.laurel')}`, passphrase: 'x', face: 'test' });
    try {
      elsewhere.importIssuer(w.signer.exportIssuer(w.issuerId).bytes);
      const theirs = await elsewhere.createSigningRequest({ issuer: w.issuerId, roster: { bytes: roster(2), name: 'x.csv' }, achievement: { json: ACHIEVEMENT }, formats: ['json'] });
      const { value: bundle } = await withoutNetwork(() => w.signer.approveSigningRequest(theirs.bytes));
      const e = await refusal(w.preparer.importSignedBundle(bundle.bytes));
      expect(e.message).toContain(`answers signing request ${theirs.request.requestId}`);
      expect(e.message).toMatch(/which this workspace did not make/);
    } finally {
      elsewhere.close();
    }
    // A bundle pointing at one of ours, but signed from another request file (digest differs).
    const ours = await request(2);
    const theirs = await request(2);
    const { value: b } = await withoutNetwork(() => w.signer.approveSigningRequest(theirs.bytes));
    const retargeted = resealBundle(b.bytes, (x) => {
      x.request.requestId = ours.request.requestId;
    });
    const e2 = await refusal(w.preparer.importSignedBundle(retargeted));
    expect(e2.message).toContain(`answers request ${ours.request.requestId} with digest ${theirs.request.digest.value}, but the request this workspace made has digest ${ours.request.digest.value}`);
  });

  it('a replayed old bundle (its request was superseded by a newer one)', async () => {
    const bytes = roster(3, 'Name,Email', (i) => `Replay ${i},replay.${i}@example.org`);
    const first = await request(3, {}, bytes);
    const { value: oldBundle } = await withoutNetwork(() => w.signer.approveSigningRequest(first.bytes));
    // The same roster again: the same batch, a new request; the first one is superseded.
    const second = await request(3, {}, bytes);
    expect(second.prepared.batch.id).toBe(first.prepared.batch.id);
    expect(second.superseded).toEqual([first.request.requestId]);
    const { value: newBundle } = await withoutNetwork(() => w.signer.approveSigningRequest(second.bytes));
    const e = await refusal(w.preparer.importSignedBundle(oldBundle.bytes));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain(`answers request ${first.request.requestId}, an older request for batch ${first.prepared.batch.id} (replaced by ${second.request.requestId}`);
    expect(e.message).toMatch(/Replaying an old bundle is refused/);
    const ok = await w.preparer.importSignedBundle(newBundle.bytes, { outDir: path.join(w.dir, 'export-replay') });
    expect(ok.imported).toBe(3);
  });
});

describe("the officer's review", () => {
  it('warns about dates in the past, duplicate recipients and a changed achievement version', async () => {
    const pair = await workspaces('airgap-review');
    try {
      const mk = (achievement: unknown, extra: Record<string, unknown> = {}, n = 2) =>
        pair.preparer.createSigningRequest({ issuer: pair.issuerId, roster: { bytes: roster(n, 'Name,Email', (i) => `R${n} ${i},r.${n}.${i}@example.org`), name: 'r.csv' }, achievement: { json: achievement }, formats: ['json'], ...extra });
      const first = await mk(ACHIEVEMENT);
      expect(pair.signer.reviewSigningRequest(first.bytes).warnings).toEqual([]);
      await pair.signer.approveSigningRequest(first.bytes);
      const changed = await mk({ ...ACHIEVEMENT, description: 'Now with a written exam as well.' }, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }, 3);
      const dup = reseal(changed.bytes, (r) => {
        const copy = JSON.parse(JSON.stringify(r.credentials[0])) as SigningRequest['credentials'][number];
        copy.credentialId = 'urn:uuid:00000000-0000-4000-8000-0000000000d0';
        copy.credential.id = copy.credentialId;
        copy.seq = 99;
        r.credentials.push(copy);
        r.count++;
      });
      const review = pair.signer.reviewSigningRequest(dup);
      const codes = review.warnings.map((x) => x.code).sort();
      expect(codes).toEqual(['achievement-changed', 'backdated', 'duplicate-recipient', 'validity-past']);
      expect(review.warnings.find((x) => x.code === 'achievement-changed')!.message).toMatch(/version 1 then, version 2 now; changed: description/);
      expect(review.warnings.find((x) => x.code === 'duplicate-recipient')!.message).toContain('r.3.1@example.org receives 2 credentials');
      expect(review.warnings.find((x) => x.code === 'validity-past')!.message).toContain('2021-01-01T00:00:00Z');
      // The officer rejects: recorded, and the request can't be approved afterwards.
      const rejected = pair.signer.rejectSigningRequest(dup, 'dates look wrong');
      expect(rejected.state).toBe('rejected');
      expect(listAudit(pair.signer.db, 5).some((a) => a.action === 'request.reject' && (a.details as { reason?: string }).reason === 'dates look wrong')).toBe(true);
      expect((await refusal(pair.signer.approveSigningRequest(dup))).message).toMatch(/was rejected here/);
    } finally {
      pair.preparer.close();
      pair.signer.close();
    }
  });
});

describe('air-gapped mode', () => {
  it('is a workspace setting the studio honours: nothing is fetched', async () => {
    expect(w.signer.airGapped).toBe(true);
    expect(w.preparer.airGapped).toBe(false);
    const credential = readFileSync(path.join(w.dir, 'export-1', readdirSync(path.join(w.dir, 'export-1')).find((f) => f.endsWith('.json') && f !== 'manifest.json')!), 'utf8');
    const { value: report, attempts } = await withoutNetwork(() => w.signer.verify('https://badges.example/credential/1', { online: true }));
    expect(attempts).toEqual([]);
    expect(JSON.stringify(report.checks)).toMatch(/Air-gapped mode is on/);
    expect((await w.signer.verify(credential)).verdict).toBe('valid');
    const hostRefusal = await refusal(w.signer.addHost('https://wallet.example'));
    expect(hostRefusal.code).toBe('NETWORK_REFUSED');
    expect(existsSync(path.join(w.dir, 'signer', 'workspace.sqlite'))).toBe(true);
    w.preparer.setAirGapped(true);
    expect(w.preparer.airGapped).toBe(true);
    w.preparer.setAirGapped(false);
  });
});

describe('the strict network guard', () => {
  it('catches loopback connections, fetch and DNS (so an empty attempt list means something)', async () => {
    const net = await import('node:net');
    const dns = await import('node:dns');
    const { attempts } = await withoutNetwork(async () => {
      await fetch('http://127.0.0.1:9/').catch(() => undefined);
      try {
        net.createConnection({ host: '127.0.0.1', port: 9 }).on('error', () => undefined);
      } catch {
        // refused before connecting
      }
      await dns.promises.lookup('localhost').catch(() => undefined);
      return null;
    });
    expect(attempts).toHaveLength(3);
    expect(attempts[0]).toContain('fetch http://127.0.0.1:9/');
    expect(attempts[1]).toContain('127.0.0.1');
    expect(attempts[2]).toContain('DNS lookup localhost');
    // The signer's key lives in the keychain when npm test provides one.
    expect(w.signer.listIssuers()[0]!.keyLocation).toBe(process.env.LAUREL_TEST_KEYRING === '1' ? 'the OS keychain' : expect.stringContaining('encrypted key file'));
  });
});

describe('approval needs the key', () => {
  it('a workspace without the issuer key can read a request but not approve it; nothing is recorded as approved', async () => {
    const made = await request(2);
    // The preparer holds the issuer without its key: the review works, the approval can't.
    expect(w.preparer.reviewSigningRequest(made.bytes).count).toBe(2);
    const e = await refusal(w.preparer.approveSigningRequest(made.bytes));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/kept on an air-gapped signing machine/);
    expect(listAudit(w.preparer.db, 50).some((a) => a.action === 'request.approve')).toBe(false);
    expect(w.preparer.signingRequests().opened.find((r) => r.requestId === made.request.requestId)?.state).toBe('reviewed');
    // Status lists would need the signer's key: refused for a keyless issuer, rather than entries nobody can publish.
    expect((await refusal(() => w.preparer.setStatusListUrl(w.issuerId, 'https://acme.example/status'))).message).toMatch(/status lists for such issuers are not supported yet/);
    // A request asking for a form nobody makes is refused before anything else.
    const odd = reseal(made.bytes, (r) => {
      (r.batch as { signForms: string[] }).signForms = ['pdf'];
    });
    expect((await refusal(() => w.signer.reviewSigningRequest(odd))).message).toContain('it must ask for "json"');
  });
});

describe('malformed files get a clear refusal, never an internal error', () => {
  it('wrong types, null entries, deep nesting, the wrong file, another version', async () => {
    const made = await request(1);
    const { value: approved } = await withoutNetwork(() => w.signer.approveSigningRequest(made.bytes));
    const cases: Array<[Uint8Array, RegExp]> = [
      [Buffer.from('not json'), /not a signing request: it is not JSON/],
      [approved.bytes, /"format" is "laurel-signed-bundle", expected "laurel-signing-request"\); it is a signed bundle/],
      [edit<SigningRequest>(made.bytes, (r) => ((r as { version: number }).version = 2)), /version 2; this Laurel Studio reads version 1/],
      [edit<SigningRequest>(made.bytes, (r) => ((r as unknown as { issuer: string }).issuer = 'did:key:z6Mk')), /malformed: issuer should be an object, not string/],
      [edit<SigningRequest>(made.bytes, (r) => ((r.credentials as unknown[])[0] = null)), /malformed: credentials\[0\] should be an object, not null/],
      [edit<SigningRequest>(made.bytes, (r) => ((r.credentials[0] as unknown as { credentialId: number }).credentialId = 7)), /credentials\[0\]\.credentialId should be a string, not number/],
      [
        edit<SigningRequest>(made.bytes, (r) => {
          let deep: unknown = 'x';
          for (let i = 0; i < 150; i++) deep = [deep];
          (r.credentials[0]!.credential as Record<string, unknown>).evidence = deep;
        }),
        /nested more than 100 levels/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const e = await refusal(() => w.signer.reviewSigningRequest(bytes));
      expect(e.message).toMatch(message);
    }
    const asBundle = await refusal(w.preparer.importSignedBundle(made.bytes));
    expect(asBundle.message).toMatch(/not a signed bundle .*it is a signing request/);
    const nullItem = edit<SignedBundle>(approved.bytes, (b) => ((b.credentials as unknown[])[0] = null));
    expect((await refusal(w.preparer.importSignedBundle(nullItem))).message).toMatch(/malformed: credentials\[0\] should be an object, not null/);
  });
});

describe('an import whose export was interrupted', () => {
  it('is finished by importing the same bundle again; nothing is stored twice', async () => {
    const made = await request(3);
    const { value: approved } = await withoutNetwork(() => w.signer.approveSigningRequest(made.bytes));
    const out = path.join(w.dir, 'export-interrupted');
    const first = await w.preparer.importSignedBundle(approved.bytes, { outDir: out });
    expect(first.imported).toBe(3);
    // The state a crash between storing and exporting leaves: stored, signed, files not all there.
    const { setBatchSigning, updateSigningRequest } = await import('../../core/store/index.ts');
    setBatchSigning(w.preparer.db, first.batchId, 'signed');
    updateSigningRequest(w.preparer.db, made.request.requestId, 'preparer', { state: 'signed' });
    const gone = readdirSync(out).filter((f) => f.endsWith('.png'));
    for (const f of gone) rmSync(path.join(out, f));
    const again = await w.preparer.importSignedBundle(approved.bytes);
    expect(again.imported).toBe(0);
    expect(again.summary.state).toBe('completed');
    for (const f of gone) expect(existsSync(path.join(out, f))).toBe(true);
    expect(w.preparer.getBatch(first.batchId).signing).toBe('imported');
    expect((w.preparer.db.prepare('SELECT count(*) AS n FROM credentials WHERE batch_id = ?').get(first.batchId) as { n: number }).n).toBe(3);
    // Once finished, the same bundle is a replay again.
    expect((await refusal(w.preparer.importSignedBundle(approved.bytes))).message).toMatch(/already imported/);
  });
});

describe('received endorsements ride along', () => {
  it('an endorsement attached to the achievement on the preparer is in every credential the signer signs', async () => {
    const { Studio } = await import('../../core/api/index.ts');
    const { getLatestAchievement } = await import('../../core/store/index.ts');
    const { PASSPHRASE, TEST_SCRYPT } = await import('../issue/helpers.ts');
    const endorser = Studio.open({ workspace: path.join(w.dir, 'endorser'), keystore: `file:${path.join(w.dir, 'endorser.laurel')}`, passphrase: PASSPHRASE, scrypt: TEST_SCRYPT, face: 'test' });
    try {
      const body = (await endorser.createIssuer({ name: 'Accreditation Council' })).id;
      const achievement = getLatestAchievement(w.preparer.db, ACHIEVEMENT.id)!.achievement;
      const endorsement = await endorser.endorse({ source: JSON.stringify(achievement), issuer: body, comment: 'An accredited programme.' });
      await w.preparer.attachEndorsement({ source: endorsement.file.bytes, achievement: ACHIEVEMENT.id });
    } finally {
      endorser.close();
    }
    const made = await request(2);
    const carried = (made.request.credentials[0]!.credential.credentialSubject as { achievement: { endorsement?: Array<{ issuer: { name: string } }> } }).achievement.endorsement;
    expect(carried?.[0]?.issuer.name).toBe('Accreditation Council');
    const { value: approved, attempts } = await withoutNetwork(() => w.signer.approveSigningRequest(made.bytes));
    expect(attempts).toEqual([]);
    const imported = await w.preparer.importSignedBundle(approved.bytes, { outDir: path.join(w.dir, 'export-endorsed') });
    expect(imported.imported).toBe(2);
    for (const c of approved.bundle.credentials) expect(dccAccepts(await dccVerify(JSON.parse(c.json!) as object))).toBe(true);
  });
});
