import { loadContextBundle, type LoaderMode } from '../jsonld/index.ts';
import { canonize, canonizeExpanded, expand } from './canonicalize.ts';
import { isObject, type JsonObject } from './credential.ts';

/**
 * RDFC-1.0 canonical N-Quads for many documents of one structure, about four times faster.
 *
 * A batch signs thousands of credentials that differ only in leaf values: ids, names, salts,
 * hashes, dates. JSON-LD expansion, most of canonicalization's cost (jsonld.js clones the active
 * context at every typed node), depends on the document's structure and its contexts, not on
 * those values, with one exception: a value read as an IRI (an `id`, a term typed `@id` or
 * `@vocab`) is expanded against the context when it is a compact IRI or a term. So:
 *
 * 1. The structure (keys, nesting, array lengths, the kind of each leaf, and @context and type
 *    values verbatim) is the cache key. One template per structure is expanded with a unique
 *    placeholder in every string and number leaf; where each placeholder lands in the expanded
 *    form says how that leaf is read: as a literal value, as an IRI, or otherwise (a type, a JSON
 *    literal, not found): "otherwise" leaves become part of the key, verbatim.
 * 2. An IRI leaf is filled in only when its value is an absolute IRI whose scheme is no term of
 *    any bundled context (so expansion would leave it as it is); any other value goes into the
 *    key verbatim, and gets a template of its own.
 * 3. A document's values are filled into a copy of its template's expanded form, which is then
 *    converted to RDF and canonicalized as usual (safe mode, the same loader).
 * 4. Checks: the first document of every template, and every `checkEvery`-th after it, is also
 *    canonicalized the ordinary way; any difference switches the template off for good and the
 *    ordinary result is used. Documents of unusual structure simply take the ordinary path.
 */

const PLACEHOLDER = 'urn:x-laurel-placeholder:';
/** Integers from here are exact doubles and never appear in a credential. */
const NUMBER_BASE = 4_200_000_000_000_000;
const MAX_TEMPLATES = 64;
// jsonld.js's own test for an absolute IRI.
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/;

type Kind = 'literal' | 'number' | 'iri' | 'other';
type Path = Array<string | number>;

interface Leaf {
  value: string | number;
  /** Where the leaf sits in the document. */
  path: Path;
}

interface Structure {
  leaves: Leaf[];
  signature: string;
}

interface Slot {
  leaf: number;
  /** Path to the object whose `field` holds the value in the expanded form. */
  path: Path;
  field: '@value' | '@id';
}

interface Template {
  expanded: unknown[];
  slots: Slot[];
  uses: number;
  disabled: boolean;
}

function structureOf(doc: JsonObject): Structure {
  const leaves: Leaf[] = [];
  const parts: string[] = [];
  const walk = (v: unknown, path: Path): void => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
      parts.push(typeof v === 'string' ? 's' : 'n');
      leaves.push({ value: v, path });
    } else if (Array.isArray(v)) {
      parts.push('[');
      v.forEach((x, i) => walk(x, [...path, i]));
      parts.push(']');
    } else if (isObject(v)) {
      parts.push('{');
      for (const [k, x] of Object.entries(v)) {
        parts.push(JSON.stringify(k), ':');
        // Contexts and types decide how everything else expands: they are structure.
        if (k === '@context' || k === 'type' || k === '@type') parts.push(JSON.stringify(x));
        else walk(x, [...path, k]);
      }
      parts.push('}');
    } else {
      parts.push(JSON.stringify(v) ?? 'undefined'); // booleans, null, non-finite numbers: structure
    }
  };
  walk(doc, []);
  return { leaves, signature: parts.join('') };
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) o = o[path[i]!] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}

function getAt(root: unknown, path: Path): unknown {
  let o = root as Record<string | number, unknown> | undefined;
  for (const k of path) o = o?.[k] as Record<string | number, unknown> | undefined;
  return o;
}

const placeholderOf = (i: number): string => `${PLACEHOLDER}${i}`;

/** Where the placeholders landed: a slot per leaf found exactly once as a literal, number or IRI. */
function locate(expanded: unknown, count: number): { kinds: Kind[]; slots: Slot[] } {
  const found: Array<Array<{ kind: Kind; slot?: Slot }>> = Array.from({ length: count }, () => []);
  const leafOfString = (s: string): number | undefined => {
    if (!s.startsWith(PLACEHOLDER)) return undefined;
    const n = Number(s.slice(PLACEHOLDER.length));
    return Number.isInteger(n) && n >= 0 && n < count && s === placeholderOf(n) ? n : undefined;
  };
  const mark = (v: unknown, where: Kind, slot?: Slot): void => {
    const i = typeof v === 'string' ? leafOfString(v) : typeof v === 'number' && v >= NUMBER_BASE && v < NUMBER_BASE + count ? v - NUMBER_BASE : undefined;
    if (i !== undefined) found[i]!.push(slot ? { kind: where, slot: { ...slot, leaf: i } } : { kind: 'other' });
    else if (typeof v === 'string' && v.includes(PLACEHOLDER)) {
      // Part of a longer string: can't be filled in; the leaves it names become structure.
      for (const m of v.matchAll(/urn:x-laurel-placeholder:(\d+)/g)) found[Number(m[1])]?.push({ kind: 'other' });
    }
  };
  // Strings outside @value and @id (type IRIs, languages) and anything inside a JSON literal are 'other'.
  const walk = (v: unknown, path: Path): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        const p = [...path, k];
        if (k === '@value' && (typeof x === 'string' || typeof x === 'number')) {
          mark(x, typeof x === 'number' ? 'number' : 'literal', { leaf: -1, path, field: '@value' });
        } else if (k === '@id' && typeof x === 'string') {
          mark(x, 'iri', { leaf: -1, path, field: '@id' });
        } else if (typeof k === 'string' && k.includes(PLACEHOLDER)) {
          mark(k, 'other'); // a placeholder became a key (an index map): structure
          walk(x, p);
        } else walk(x, p);
      }
    } else mark(v, 'other');
  };
  walk(expanded, []);
  const kinds: Kind[] = [];
  const slots: Slot[] = [];
  found.forEach((f, i) => {
    const only = f.length === 1 ? f[0]! : undefined;
    if (only && only.kind !== 'other' && only.slot) {
      kinds.push(only.kind);
      slots.push(only.slot);
    } else kinds.push('other');
  });
  return { kinds, slots };
}

let contextTerms: Set<string> | undefined;
/** Every term any bundled context defines, at any depth (scoped contexts too). */
function termsOfBundle(): Set<string> {
  if (contextTerms) return contextTerms;
  const terms = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (!k.startsWith('@')) terms.add(k);
        walk(x);
      }
    }
  };
  const bundle = loadContextBundle();
  for (const d of bundle.sign.values()) walk(d);
  for (const d of bundle.verify.values()) walk(d);
  contextTerms = terms;
  return terms;
}

/** An IRI that expansion leaves exactly as written: absolute, and its scheme is no context term. */
function expandsToItself(v: string): boolean {
  if (!ABSOLUTE_IRI.test(v)) return false;
  return !termsOfBundle().has(v.slice(0, v.indexOf(':')));
}

export interface DocumentCanonicalizerOptions {
  /** Also canonicalize every n-th document of a template the ordinary way and compare (default 64). */
  checkEvery?: number;
}

export interface DocumentCanonicalizerStats {
  fast: number;
  ordinary: number;
  checked: number;
  mismatches: number;
}

/**
 * A canonicalizer for documents (without proof) that reuses JSON-LD expansion across documents
 * of the same structure. Returns exactly what `canonize(doc, mode)` returns.
 */
export function createDocumentCanonicalizer(
  mode: LoaderMode = 'sign',
  options: DocumentCanonicalizerOptions = {},
): { canonicalize: (doc: JsonObject) => Promise<string>; stats: DocumentCanonicalizerStats } {
  const checkEvery = Math.max(1, options.checkEvery ?? 64);
  const kindsByStructure = new Map<string, Promise<Kind[] | undefined>>();
  const templates = new Map<string, Promise<Template | undefined>>();
  const stats: DocumentCanonicalizerStats = { fast: 0, ordinary: 0, checked: 0, mismatches: 0 };

  /** The template with placeholders in `slotLeaves` and every other leaf as written. */
  async function buildTemplate(doc: JsonObject, s: Structure, slotLeaves: ReadonlySet<number>): Promise<{ expanded: unknown[]; kinds: Kind[]; slots: Slot[] } | undefined> {
    const copy = structuredClone(doc);
    s.leaves.forEach((leaf, i) => {
      if (slotLeaves.has(i)) setAt(copy, leaf.path, typeof leaf.value === 'number' ? NUMBER_BASE + i : placeholderOf(i));
    });
    try {
      const expanded = await expand(copy, mode);
      return { expanded, ...locate(expanded, s.leaves.length) };
    } catch {
      return undefined; // the ordinary path reports the problem
    }
  }

  const ordinary = (doc: JsonObject): Promise<string> => {
    stats.ordinary++;
    return canonize(doc, mode);
  };

  async function canonicalize(doc: JsonObject): Promise<string> {
    const s = structureOf(doc);
    // 1. How each leaf of this structure is read (from a template with every leaf a placeholder).
    let kindsP = kindsByStructure.get(s.signature);
    if (!kindsP) {
      if (kindsByStructure.size >= MAX_TEMPLATES) return ordinary(doc);
      kindsP = buildTemplate(doc, s, new Set(s.leaves.keys())).then((t) => t?.kinds);
      kindsByStructure.set(s.signature, kindsP);
    }
    const kinds = await kindsP;
    if (!kinds) return ordinary(doc);

    // 2. The leaves filled in per document, and the rest, which belongs to the template's key.
    const slotLeaves = new Set<number>();
    const fixed: string[] = [];
    s.leaves.forEach((leaf, i) => {
      const k = kinds[i]!;
      const fill = k === 'literal' ? typeof leaf.value === 'string' : k === 'number' ? typeof leaf.value === 'number' : k === 'iri' && typeof leaf.value === 'string' && expandsToItself(leaf.value);
      if (fill) slotLeaves.add(i);
      else fixed.push(`${i}=${JSON.stringify(leaf.value)}`);
    });
    const key = `${s.signature}\n${fixed.join('\n')}`;
    let templateP = templates.get(key);
    let first = false;
    if (!templateP) {
      if (templates.size >= MAX_TEMPLATES) return ordinary(doc);
      first = true;
      templateP = buildTemplate(doc, s, slotLeaves).then((t) => {
        // Every leaf meant to be filled in must have exactly one place to go.
        if (!t || t.slots.length !== slotLeaves.size || t.slots.some((sl) => !slotLeaves.has(sl.leaf))) return undefined;
        return { expanded: t.expanded, slots: t.slots, uses: 0, disabled: false };
      });
      templates.set(key, templateP);
    }
    const template = await templateP;
    if (!template || template.disabled) return ordinary(doc);

    // 3. Fill in and canonicalize from the expanded form.
    const filled = structuredClone(template.expanded);
    for (const slot of template.slots) setAt(getAt(filled, slot.path), [slot.field], s.leaves[slot.leaf]!.value);
    const check = first || template.uses % checkEvery === 0;
    template.uses++;
    const [fast, reference] = await Promise.all([canonizeExpanded(filled, mode), check ? canonize(doc, mode) : undefined]);
    if (reference !== undefined) {
      stats.checked++;
      if (reference !== fast) {
        // Never expected; if it happens, this structure always takes the ordinary path.
        stats.mismatches++;
        template.disabled = true;
        return reference;
      }
    }
    stats.fast++;
    return fast;
  }

  return { canonicalize, stats };
}
