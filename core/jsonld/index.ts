import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LaurelError } from '../util/errors.ts';
import { resourcePath } from '../util/resources.ts';

/**
 * The pinned context bundle and the one document loader. Fail-closed: a URL that is not in the
 * manifest is refused, never fetched, and a bundled file whose bytes differ from its pinned
 * SHA-256 stops every signing and verifying operation.
 */

export type LoaderMode = 'sign' | 'verify';

interface PinnedFile {
  file: string;
  sha256: string;
}
interface ManifestEntry extends PinnedFile {
  verify?: PinnedFile;
}
interface Manifest {
  version: 1;
  contexts: Record<string, ManifestEntry>;
}

export interface ContextBundle {
  /** URL → parsed context document, per mode. */
  sign: Map<string, unknown>;
  verify: Map<string, unknown>;
  /** URL → SHA-256 (hex) of the bytes used when signing; recorded in signing requests. */
  digests: Map<string, string>;
}

export const CONTEXTS = {
  VC_V2: 'https://www.w3.org/ns/credentials/v2',
  VC_V1: 'https://www.w3.org/2018/credentials/v1',
  OB_300: 'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
  OB_303: 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  OB_EXTENSIONS: 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
  CLR_201: 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
  DATA_INTEGRITY_V2: 'https://w3id.org/security/data-integrity/v2',
  MULTIKEY_V1: 'https://w3id.org/security/multikey/v1',
  DID_V1: 'https://www.w3.org/ns/did/v1',
  STATUS_V1: 'https://www.w3.org/ns/credentials/status/v1',
} as const;

let cached: ContextBundle | undefined;

function readPinned(pin: PinnedFile, url: string): unknown {
  const bytes = readFileSync(resourcePath('contexts', pin.file));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pin.sha256) {
    throw new LaurelError(
      'CONTEXT_INTEGRITY',
      `The bundled JSON-LD context for ${url} (resources/contexts/${pin.file}) has been changed: its SHA-256 is ${actual}, expected ${pin.sha256}. Reinstall Laurel Studio; nothing will be signed or verified with a modified context.`,
    );
  }
  return JSON.parse(bytes.toString('utf8'));
}

/** Reads and checks every bundled context. Throws CONTEXT_INTEGRITY if any file differs. */
export function loadContextBundle(options: { fresh?: boolean } = {}): ContextBundle {
  if (cached && !options.fresh) return cached;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(resourcePath('contexts', 'manifest.json'), 'utf8')) as Manifest;
  } catch (cause) {
    throw new LaurelError('CONTEXT_INTEGRITY', 'The context manifest (resources/contexts/manifest.json) is missing or unreadable. Reinstall Laurel Studio.', { cause });
  }
  const sign = new Map<string, unknown>();
  const verify = new Map<string, unknown>();
  const digests = new Map<string, string>();
  for (const [url, entry] of Object.entries(manifest.contexts)) {
    const doc = readPinned(entry, url);
    sign.set(url, doc);
    digests.set(url, entry.sha256);
    verify.set(url, entry.verify ? readPinned(entry.verify, url) : doc);
  }
  cached = { sign, verify, digests };
  return cached;
}

/** Call before any signing operation: refuses to sign with a modified bundle. */
export function assertContextsIntact(): void {
  loadContextBundle({ fresh: true });
}

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/** The single document loader. It never touches the network. */
export function documentLoader(mode: LoaderMode = 'verify'): DocumentLoader {
  const bundle = loadContextBundle();
  const map = mode === 'sign' ? bundle.sign : bundle.verify;
  return async (url: string) => {
    const document = map.get(url);
    if (document === undefined) {
      throw new LaurelError(
        'NETWORK_REFUSED',
        `The JSON-LD context ${url} is not in Laurel Studio's pinned bundle, and contexts are never fetched from the network.`,
      );
    }
    return { contextUrl: null, documentUrl: url, document };
  };
}

/** Is this context URL one we ship? */
export function isKnownContext(url: string): boolean {
  return loadContextBundle().sign.has(url);
}

/** SHA-256 of the bytes of each context the document names (for signing requests and audit). */
export function contextDigests(contexts: readonly unknown[]): Record<string, string> {
  const { digests } = loadContextBundle();
  const out: Record<string, string> = {};
  for (const c of contexts) {
    if (typeof c !== 'string') continue;
    const d = digests.get(c);
    if (!d) throw new LaurelError('NETWORK_REFUSED', `Unknown context ${c}: not in the pinned bundle.`);
    out[c] = d;
  }
  return out;
}
