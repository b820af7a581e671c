import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import jsonld from 'jsonld';
import { documentLoader, loadContextBundle, CONTEXTS } from '../../core/jsonld/index.ts';
import { resourcePath } from '../../core/util/resources.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/spec');

describe('pinned context bundle', () => {
  it('ships the reference bytes from shared/spec', () => {
    const pairs: Array<[string, string]> = [
      ['credentials-v2.jsonld', 'common/context/credentials-v2.jsonld'],
      ['credentials-v1.jsonld', 'common/context/credentials-v1.jsonld'],
      ['data-integrity-v1.jsonld', 'common/context/data-integrity-v1.jsonld'],
      ['did-v1.jsonld', 'common/context/did-v1.jsonld'],
      ['ed25519-2020-v1.jsonld', 'common/context/ed25519-2020-v1.jsonld'],
      ['ob-v3p0-context-3.0.0.json', 'ob3/context/context-3.0.0.json'],
      ['ob-v3p0-context-3.0.1.json', 'ob3/context/context-3.0.1.json'],
      ['ob-v3p0-context-3.0.2.json', 'ob3/context/context-3.0.2.json'],
      ['ob-v3p0-context-3.0.3.json', 'ob3/context/context-3.0.3.json'],
      ['ob-v3p0-context-3.0.3.validator-copy-2026-06.json', 'ob3/context/context-3.0.3.validator-copy-2026-06.json'],
      ['ob-v3p0-extensions.json', 'ob3/context/extensions.json'],
      ['clr-v2p0-context-2.0.0.json', 'clr2/context/context.json'],
      ['clr-v2p0-context-2.0.1.json', 'clr2/context/context-2.0.1.json'],
    ];
    for (const [ours, ref] of pairs) {
      expect(readFileSync(resourcePath('contexts', ours)).equals(readFileSync(path.join(SHARED, ref))), ours).toBe(true);
    }
  });

  it('covers every context family the product signs or verifies with', () => {
    const urls = [...loadContextBundle().sign.keys()];
    for (const u of Object.values(CONTEXTS)) expect(urls).toContain(u);
    expect(urls).toContain('https://purl.imsglobal.org/spec/ob/v3p0/context.json');
    expect(urls).toContain('https://w3id.org/security/suites/ed25519-2020/v1');
  });

  it('refuses a URL outside the bundle without fetching it', async () => {
    await expect(documentLoader()('https://example.org/evil-context.json')).rejects.toMatchObject({ code: 'NETWORK_REFUSED' });
  });

  it('refuses to load a modified context file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'laurel-res-'));
    cpSync(resourcePath(), dir, { recursive: true });
    const f = path.join(dir, 'contexts', 'ob-v3p0-context-3.0.3.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"achievement"', '"achievment"'));
    const prev = process.env.LAUREL_RESOURCES;
    process.env.LAUREL_RESOURCES = dir;
    try {
      expect(() => loadContextBundle({ fresh: true })).toThrow(/ob-v3p0-context-3.0.3.json.*changed/);
    } finally {
      process.env.LAUREL_RESOURCES = prev ?? '';
      if (prev === undefined) delete process.env.LAUREL_RESOURCES;
      loadContextBundle({ fresh: true });
    }
  });

  it('canonicalizes the OB 3.0 test vector document byte for byte', async () => {
    const dir = path.join(SHARED, 'ob3/examples/test-vectors');
    const { proof: _p, ...doc } = JSON.parse(readFileSync(path.join(dir, 'eddsa-rdfc-2022-credential-signed.json'), 'utf8'));
    const canon = await jsonld.canonize(doc, { documentLoader: documentLoader('sign'), safe: true, algorithm: 'RDFC-1.0', format: 'application/n-quads' });
    expect(canon).toBe(readFileSync(path.join(dir, 'eddsa-rdfc-2022-document-canon.nq'), 'utf8'));
  });
});
