/**
 * The batch canonicalizer reuses JSON-LD expansion across credentials of one structure: its
 * output must be exactly what ordinary canonicalization gives, whatever the values.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildAchievementFromJson, buildLearnerCredential, type Learner } from '../../core/issue/index.ts';
import { canonize } from '../../core/proof/canonicalize.ts';
import { createDocumentCanonicalizer, type JsonObject } from '../../core/proof/index.ts';

const ISSUER = { id: 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH', type: ['Profile'], name: 'Acme Training' };
const ACHIEVEMENT = buildAchievementFromJson({
  id: 'https://acme.example/achievements/sql',
  name: 'Intro to SQL',
  description: 'Writes basic queries.',
  criteria: { narrative: 'Passed the quiz.' },
  resultDescription: [{ name: 'Score', resultType: 'Percent' }],
  alignment: [{ targetName: 'SQL', targetUrl: 'https://example.org/frameworks/sql' }],
});

function credential(learner: Learner, extra: Partial<Parameters<typeof buildLearnerCredential>[0]> = {}): JsonObject {
  return buildLearnerCredential({
    credentialId: `urn:uuid:${randomUUID()}`,
    issuer: ISSUER,
    achievement: ACHIEVEMENT,
    learner,
    recipient: { identity: learner.email ? 'email' : 'did' },
    validFrom: '2026-03-01T09:00:00Z',
    ...extra,
  });
}

const TRICKY = ['Zoë Müller', 'Ana "the quick" García', 'Line\nbreak', 'Tab\there', '\\backslash\\', '😀 emoji 👩‍🎓', 'ﬁ ligature', '', ' spaced ', '@keyword-like', '_:b0', 'urn:x-laurel-placeholder:0', '1e3', 'null'];

describe('JSON-LD expansion reused across a batch', () => {
  it('gives exactly the ordinary canonical form for many values and several structures', async () => {
    const { canonicalize, stats } = createDocumentCanonicalizer('sign', { checkEvery: 1_000_000 });
    const docs: JsonObject[] = [];
    for (let i = 0; i < 60; i++) {
      const learner: Learner = { name: TRICKY[i % TRICKY.length] || `Learner ${i}`, email: `l${i}@example.org`, resultValue: String(i * 7) };
      if (i % 3 === 0) learner.creditsEarned = i % 2 ? 1.5 : i; // float and integer numbers
      if (i % 4 === 0) learner.did = i % 8 ? `did:example:learner-${i}` : `https://people.example/${i}`;
      if (i % 5 === 0) learner.evidenceUrl = `https://portfolio.example/${i}?q=a b`.replace(' ', '%20');
      if (i % 6 === 0) learner.narrative = TRICKY[(i + 3) % TRICKY.length] || 'n';
      if (i % 7 === 0) learner.activityStartDate = '2025-09-01';
      docs.push(credential(learner, i % 9 === 0 ? { credentialStatus: { id: `https://acme.example/status/1#${i}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(i), statusListCredential: 'https://acme.example/status/1' } } : {}));
    }
    for (const doc of docs) {
      const { proof: _p, ...document } = doc;
      expect(await canonicalize(document)).toBe(await canonize(document, 'sign'));
    }
    expect(stats.mismatches).toBe(0);
    expect(stats.fast).toBeGreaterThan(30);
  });

  it('does not fill in an IRI that a context would expand (a compact IRI or a term)', async () => {
    const { canonicalize, stats } = createDocumentCanonicalizer('sign');
    const base = credential({ name: 'Ana', did: 'did:example:ana' });
    const withId = (id: string): JsonObject => ({ ...base, credentialSubject: { ...(base.credentialSubject as JsonObject), id } });
    // 'xsd' and 'sec' are prefixes some bundled contexts define: these ids expand to other IRIs.
    for (const id of ['did:example:bo', 'xsd:string', 'sec:key', 'did:example:cleo', 'https://people.example/dan']) {
      const doc = withId(id);
      expect(await canonicalize(doc), id).toBe(await canonize(doc, 'sign'));
    }
    expect(stats.mismatches).toBe(0);
  });

  it('takes the ordinary path, with its error, for a document it cannot expand', async () => {
    const { canonicalize } = createDocumentCanonicalizer('sign');
    const bad = { ...credential({ name: 'Ana', email: 'ana@example.org' }), notATerm: 'x' };
    await expect(canonicalize(bad)).rejects.toThrow();
    await expect(canonize(bad, 'sign')).rejects.toThrow();
  });
});
