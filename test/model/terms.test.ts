import { readdirSync } from 'node:fs';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { documentLoader, type LoaderMode } from '../../core/jsonld/index.ts';
import { buildAchievementCredential, buildEndorsementCredential, checkTerms } from '../../core/model/index.ts';
import { EXAMPLES_DIR, fullInput, readExample } from './fixtures.ts';

/**
 * The static term check must agree with what the signer will do: JSON-LD expansion in safe mode
 * (jsonld.js, as Digital Bazaar's signing libraries run it) with our pinned, fail-closed loader.
 */
async function safeExpands(doc: unknown, mode: LoaderMode = 'sign'): Promise<boolean> {
  try {
    await jsonld.expand(doc, { documentLoader: documentLoader(mode), safe: true });
    return true;
  } catch {
    return false;
  }
}

describe('checkTerms agrees with safe-mode JSON-LD expansion', () => {
  it('on builder output (every author-facing field, and an endorsement)', async () => {
    const c = buildAchievementCredential(fullInput());
    const e = buildEndorsementCredential({ issuer: { id: 'https://e.example', name: 'E' }, name: 'n', subject: { id: 'https://x.example' }, validFrom: '2024-01-01T00:00:00Z' });
    for (const doc of [c, e]) {
      expect(checkTerms(doc)).toEqual([]);
      expect(await safeExpands(doc)).toBe(true);
    }
  });

  it('on every spec example whose contexts are all bundled', async () => {
    for (const f of readdirSync(EXAMPLES_DIR)) {
      const ex = readExample(f);
      if (f.startsWith('equality-sample')) continue; // names W3C's examples/v2 context, which is not bundled (see below)
      expect(checkTerms(ex), f).toEqual([]);
      expect(await safeExpands(ex), f).toBe(true);
    }
  });

  it('on a context that is not bundled: a warning, and the loader refuses it', async () => {
    const ex = readExample('equality-sample-credential-a.json');
    expect(checkTerms(ex)).toEqual([expect.objectContaining({ path: "$['@context']", severity: 'warning' })]);
    expect(await safeExpands(ex)).toBe(false);
  });

  it('on undefined properties, including type-scoped ones used on the wrong class', async () => {
    const c: any = JSON.parse(JSON.stringify(buildAchievementCredential(fullInput())));
    const cases: Array<[string, (d: any) => void]> = [
      ['$.credentialSubject.achievement.foo', (d) => (d.credentialSubject.achievement.foo = 1)],
      ['$.credentialSubject.givenName', (d) => (d.credentialSubject.givenName = 'Ada')], // a Profile term, subject not typed Profile
      ['$.credentialSubject.achievement.criteria.foo', (d) => (d.credentialSubject.achievement.criteria.foo = 'x')],
      ['$.evidence[0].achievementType', (d) => (d.evidence[0].achievementType = 'Badge')],
      ['$.issuer.endorsementJwt', (d) => (d.issuer.endorsementJwt = ['a.b.c'])],
      ['$.credentialSubject.achievement.type[1]', (d) => d.credentialSubject.achievement.type.push('Badge')],
    ];
    for (const [path, mutate] of cases) {
      const d = structuredClone(c);
      mutate(d);
      expect(checkTerms(d).map((i) => i.path), path).toEqual([path]);
      expect(await safeExpands(d), path).toBe(false);
    }
    // Typing the subject as a Profile too makes givenName defined (impl guide pattern).
    const p = structuredClone(c);
    p.credentialSubject.type.push('Profile');
    p.credentialSubject.givenName = 'Ada';
    expect(checkTerms(p)).toEqual([]);
    expect(await safeExpands(p)).toBe(true);
  });

  it('on endorsementJwt: undefined in the signing copy of context-3.0.3, defined in the verify copy', async () => {
    const d: any = JSON.parse(JSON.stringify(buildAchievementCredential(fullInput())));
    d.endorsementJwt = ['eyJh.eyJz.c2ln'];
    expect(checkTerms(d, 'sign')).toHaveLength(1);
    expect(await safeExpands(d, 'sign')).toBe(false);
    expect(checkTerms(d, 'verify')).toEqual([]);
    expect(await safeExpands(d, 'verify')).toBe(true);
  });

  it('on an embedded endorsement: fine inside the outer credential, refused on its own without extensions.json', async () => {
    const ex = readExample('complete-openbadgecredential.json');
    const endorsement = ex.credentialSubject.achievement.creator.endorsement[0];
    expect(await safeExpands(ex)).toBe(true); // inherits the outer extensions.json
    expect(await safeExpands(endorsement)).toBe(false); // "relative @type reference": how it is verified
    // The term check leaves 1EdTech* types to the @context rule, which reports this one (see spec-examples.test.ts).
    expect(checkTerms(endorsement)).toEqual([]);
    expect(await safeExpands({ ...endorsement, '@context': [...endorsement['@context'], 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json'] })).toBe(true);
  });
});
