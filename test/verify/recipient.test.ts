/**
 * The recipient check (spec-digest §11.5) and describeVerdict, the one-word reading UIs use.
 */
import { describe, expect, it } from 'vitest';
import { hashIdentity } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { checkRecipient, describeVerdict, verifyCredential, type Check, type CheckCode, type CheckStatus } from '../../core/verify/index.ts';
import { badge, makeIssuer, NOW } from './helpers.ts';

// JSON round trip: `id: undefined` removes the default subject id.
const subject = (fields: JsonObject): JsonObject => JSON.parse(JSON.stringify(badge('did:example:issuer', { subject: fields })));
const ident = (identityHash: string, hashed: boolean, identityType = 'emailAddress', salt?: string) => ({ type: 'IdentityObject', identityHash, hashed, identityType, ...(salt !== undefined ? { salt } : {}) });

describe('recipient check', () => {
  // Our issuer lowercases e-mail addresses before hashing, as OB practice is.
  const salted = subject({ id: undefined, identifier: [ident(hashIdentity('jane@example.org', 'Fl3urDeSel'), true, 'emailAddress', 'Fl3urDeSel')] });

  it('a hashed, salted e-mail: matched exactly, or after lowercasing (and says which)', () => {
    expect(checkRecipient(salted, { identifier: 'jane@example.org' })).toMatchObject({ status: 'passed', reason: expect.stringMatching(/matches its hashed emailAddress \(sha256, salted\) exactly as given/) });
    expect(checkRecipient(salted, { identifier: 'Jane@Example.ORG', identityType: 'emailAddress' })).toMatchObject({
      status: 'passed',
      reason: expect.stringMatching(/after lowercasing "Jane@Example.ORG"/),
      details: { matched: 'lowercased' },
    });
    expect(checkRecipient(salted, { identifier: 'john@example.org' })).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^not issued to "john@example.org": .*1 e-mail identifier/) });
  });

  it("the spec's own digests, md5, upper-case hex, no salt", () => {
    // spec-digest §2.9: sha256("a@example.comKosher").
    const spec = subject({ identifier: [ident('sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399', true, 'emailAddress', 'Kosher')] });
    expect(checkRecipient(spec, { identifier: 'a@example.com' }).status).toBe('passed');
    const md5 = subject({ identifier: [ident(hashIdentity('bob@example.org', '', 'md5'), true)] });
    expect(checkRecipient(md5, { identifier: 'bob@example.org' }).status).toBe('passed');
    const upper = subject({ identifier: [ident(`sha256$${hashIdentity('bob@example.org').slice(7).toUpperCase()}`, true)] });
    expect(checkRecipient(upper, { identifier: 'bob@example.org' }).status).toBe('passed');
    const weird = subject({ id: undefined, identifier: [ident('sha512$abcd', true)] });
    expect(checkRecipient(weird, { identifier: 'bob@example.org' }).status).toBe('unknown');
  });

  it('plain identifiers, of the asked type only; the subject id; mailto:', () => {
    const plain = subject({ identifier: [ident('S-12345', false, 'sisSourcedId'), ident('Ada@Example.org', false)] });
    expect(checkRecipient(plain, { identifier: 'S-12345', identityType: 'sisSourcedId' }).status).toBe('passed');
    expect(checkRecipient(plain, { identifier: 'S-12345', identityType: 'emailAddress' }).status).toBe('failed');
    expect(checkRecipient(plain, { identifier: 'ada@example.org' })).toMatchObject({ status: 'passed', reason: expect.stringMatching(/ignoring letter case/) });
    expect(checkRecipient(subject({}), { identifier: 'did:example:learner-1' })).toMatchObject({ status: 'passed', reason: expect.stringMatching(/subject id/) });
    expect(checkRecipient(subject({ id: 'mailto:Ada@example.org' }), { identifier: 'ada@example.org' }).status).toBe('passed');
  });

  it('through verifyCredential: a check of its own, a mismatch makes the credential not valid for that person', async () => {
    const issuer = makeIssuer('Ed25519', { kind: 'did:key' });
    const signed = await signDataIntegrity(JSON.parse(JSON.stringify(badge(issuer, { subject: { id: undefined, identifier: [ident(hashIdentity('jane@example.org', 'abc'), true, 'emailAddress', 'abc')] } }))), issuer.signer);
    const ok = await verifyCredential(JSON.stringify(signed), { now: NOW, recipient: { identifier: 'Jane@example.org' } });
    expect(ok.checks.find((c) => c.id === 'recipient')).toMatchObject({ label: 'Issued to this person', status: 'passed' });
    expect(describeVerdict(ok)).toBe('valid');
    const no = await verifyCredential(JSON.stringify(signed), { now: NOW, recipient: { identifier: 'mallory@example.org' } });
    expect(describeVerdict(no)).toBe('invalid');
    // Without a query there is no recipient check at all.
    expect((await verifyCredential(JSON.stringify(signed), { now: NOW })).checks.some((c) => c.id === 'recipient')).toBe(false);
  });
});

describe('describeVerdict', () => {
  const c = (id: Check['id'], status: CheckStatus, code?: CheckCode): Check => ({ id, label: id, status, reason: '', ...(code ? { code } : {}) });
  const base = [c('parse', 'passed'), c('proof', 'passed')];
  it.each([
    [[...base], 'valid'],
    [[...base, c('status', 'not-applicable')], 'valid'],
    [[...base, c('status', 'unknown')], 'could-not-check'],
    [[...base, c('valid-until', 'failed', 'expired')], 'expired'],
    [[...base, c('valid-from', 'failed', 'not-yet-valid')], 'not-yet-valid'],
    [[...base, c('status', 'failed', 'suspended'), c('valid-until', 'failed', 'expired')], 'suspended'],
    [[...base, c('status', 'failed', 'revoked'), c('valid-until', 'failed', 'expired')], 'revoked'],
    [[...base, c('status', 'failed', 'revoked'), c('proof', 'failed')], 'invalid'],
    [[...base, c('valid-until', 'failed', 'expired'), c('status', 'unknown')], 'expired'],
    [[c('parse', 'failed')], 'invalid'],
  ] as Array<[Check[], string]>)('%#: → %s', (checks, want) => {
    expect(describeVerdict({ checks })).toBe(want);
  });
  it('an Open Badges 2.0 badge is "could not check"', () => {
    expect(describeVerdict({ checks: [c('parse', 'failed')], kind: 'ob2' })).toBe('could-not-check');
  });
});
