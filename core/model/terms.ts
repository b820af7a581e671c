import { loadContextBundle, type LoaderMode } from '../jsonld/index.ts';
import { childPath, isObject } from './util.ts';

/**
 * A static check that every property name and `type` value in a document is defined by the
 * JSON-LD contexts it names, using the pinned context files. It models what matters for
 * OB/VC documents: global terms, type-scoped contexts (which don't propagate into nested
 * objects), property-scoped contexts, embedded `@context`s (which add to the inherited one) and
 * `@vocab`. It is synchronous and cheap, so builders and the validator can run it every time;
 * the full JSON-LD expansion in safe mode is what the signer does later, and the tests check
 * that the two agree on our output.
 */

interface TermDef {
  scoped?: ContextDef;
  json?: boolean;
}
interface ContextDef {
  terms: Map<string, TermDef>;
  vocab: boolean;
}
interface Active extends ContextDef {
  /** Context URLs that are not in the pinned bundle: nothing below can be checked. */
  unknown: string[];
}

export interface TermIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

const parsedCache = new Map<string, ContextDef>();

function parseDefinition(ctx: unknown): ContextDef {
  const def: ContextDef = { terms: new Map(), vocab: false };
  const parts = Array.isArray(ctx) ? ctx : [ctx];
  for (const part of parts) {
    if (!isObject(part)) continue; // remote references inside bundled contexts don't occur in ours
    if (part['@vocab'] !== undefined && part['@vocab'] !== null) def.vocab = true;
    for (const [term, value] of Object.entries(part)) {
      if (term.startsWith('@')) continue;
      if (value === null) {
        def.terms.delete(term);
        continue;
      }
      const td: TermDef = {};
      if (isObject(value)) {
        if (value['@context'] !== undefined) td.scoped = parseDefinition(value['@context']);
        if (value['@type'] === '@json') td.json = true;
      }
      def.terms.set(term, td);
    }
  }
  return def;
}

function bundled(url: string, mode: LoaderMode): ContextDef | undefined {
  const key = `${mode} ${url}`;
  const hit = parsedCache.get(key);
  if (hit) return hit;
  const bundle = loadContextBundle();
  const doc = (mode === 'sign' ? bundle.sign : bundle.verify).get(url);
  if (!isObject(doc)) return undefined;
  const def = parseDefinition(doc['@context']);
  parsedCache.set(key, def);
  return def;
}

function merge(base: Active, add: ContextDef): Active {
  const terms = new Map(base.terms);
  for (const [k, v] of add.terms) terms.set(k, v);
  return { terms, vocab: base.vocab || add.vocab, unknown: base.unknown };
}

function applyContext(base: Active, value: unknown, mode: LoaderMode): Active {
  let active = base;
  for (const entry of Array.isArray(value) ? value : [value]) {
    if (entry === null) {
      active = { terms: new Map(), vocab: false, unknown: [] };
    } else if (typeof entry === 'string') {
      const def = bundled(entry, mode);
      if (def) active = merge(active, def);
      else active = { ...active, unknown: [...active.unknown, entry] };
    } else if (isObject(entry)) {
      active = merge(active, parseDefinition(entry));
    }
  }
  return active;
}

const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function isDefined(term: string, ctx: ContextDef): boolean {
  return ctx.terms.has(term) || ctx.vocab || ABSOLUTE_IRI.test(term);
}

/** Types whose scoped context defines `term`, for a hint like "defined on objects typed Profile". */
function typesDefining(term: string, active: Active): string[] {
  const out: string[] = [];
  for (const [name, def] of active.terms) if (def.scoped?.terms.has(term)) out.push(name);
  return out;
}

const EXTENSION_TYPES = new Set(['1EdTechJsonSchemaValidator2019', '1EdTechRevocationList', '1EdTechCredentialRefresh']);

/**
 * Checks `doc` (a credential or a bare Profile). `mode` picks the pinned copy of each context:
 * 'sign' is what we sign with (strict), 'verify' adds the terms later fixed in place upstream
 * (e.g. `endorsementJwt`). The three `1EdTech*` extension types are left to the @context rule,
 * which names the fix.
 */
export function checkTerms(doc: unknown, mode: LoaderMode = 'sign'): TermIssue[] {
  const issues: TermIssue[] = [];
  const empty: Active = { terms: new Map(), vocab: false, unknown: [] };
  visit(doc, empty, '$', mode, issues);
  return issues;
}

function visit(node: unknown, inherited: Active, path: string, mode: LoaderMode, issues: TermIssue[]): void {
  if (!isObject(node)) return;
  if (node['@value'] !== undefined) return; // a JSON-LD value object, not a node
  let active = inherited;
  if (node['@context'] !== undefined) {
    active = applyContext(inherited, node['@context'], mode);
    const fresh = active.unknown.filter((u) => !inherited.unknown.includes(u));
    if (fresh.length > 0) {
      issues.push({
        path: childPath(path, '@context'),
        severity: 'warning',
        message: `The context${fresh.length > 1 ? 's' : ''} ${fresh.join(', ')} ${fresh.length > 1 ? 'are' : 'is'} not in Laurel Studio's pinned bundle, so the terms below could not be checked, and this document can't be signed or verified offline. Remove ${fresh.length > 1 ? 'them' : 'it'} if ${fresh.length > 1 ? 'they define' : 'it defines'} nothing the document uses.`,
      });
    }
  }
  if (active.unknown.length > 0) return;

  const rawType = node.type;
  const types = typeof rawType === 'string' ? [rawType] : Array.isArray(rawType) ? rawType : [];
  types.forEach((t, i) => {
    if (typeof t !== 'string') return;
    if (EXTENSION_TYPES.has(t)) return;
    if (!isDefined(t, active)) {
      issues.push({
        path: Array.isArray(rawType) ? childPath(childPath(path, 'type'), i) : childPath(path, 'type'),
        severity: 'error',
        message: `The type "${t}" is not defined by the document's JSON-LD contexts, so it expands to a relative IRI: safe-mode JSON-LD signing refuses it. Use a type the contexts define, an absolute IRI, or add the context that defines it.`,
      });
    }
  });

  // Type-scoped contexts apply to this object only (they don't propagate to nested objects).
  let own: ContextDef = active;
  for (const t of [...types].filter((t): t is string => typeof t === 'string').sort()) {
    const scoped = active.terms.get(t)?.scoped;
    if (scoped) own = merge({ ...own, unknown: [] }, scoped);
  }

  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@')) continue;
    const here = childPath(path, key);
    if (!isDefined(key, own)) {
      const where = typesDefining(key, active);
      const hint = where.length > 0 ? ` It is defined only on objects typed ${where.join(' or ')}: check this object's type.` : '';
      issues.push({
        path: here,
        severity: 'error',
        message: `"${key}" is not a term the pinned JSON-LD contexts define here, so safe-mode signing refuses it and other processors would drop it. Remove it or use a defined property.${hint}`,
      });
      continue;
    }
    const def = own.terms.get(key);
    if (def?.json) continue;
    const childActive = def?.scoped ? merge(active, def.scoped) : active;
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, childActive, childPath(here, i), mode, issues));
    else visit(value, childActive, here, mode, issues);
  }
}

/** The `1EdTech*` type names that resolve only with extensions.json. */
export function isExtensionType(t: unknown): boolean {
  return typeof t === 'string' && EXTENSION_TYPES.has(t);
}
