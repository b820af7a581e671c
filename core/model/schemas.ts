import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { LaurelError } from '../util/errors.ts';
import { resourcePath } from '../util/resources.ts';
import type { CredentialKind } from './rules.ts';
import { isObject, pointerToPath } from './util.ts';

/**
 * The official OB 3.0 JSON Schemas, both builds (spec-digest §1.3):
 * - 'json-ld': the JSON-LD-compaction adaptation purl serves today; allows single values for
 *   0..* properties and language maps for strings.
 * - 'formal': the strict 2024-07 build; every 0..* property must be an array, no language maps,
 *   CredentialStatus.id required.
 * Compiling is slow (hundreds of ms), so each validator is compiled once, on first use, and kept.
 */

export type SchemaBuild = 'json-ld' | 'formal';

/** What a schema describes: the OB kinds, plus a CLR 2.0 ClrCredential and the CLR package's AchievementCredential (published in the JSON-LD build only). */
export type SchemaKind = CredentialKind | 'clr' | 'clr-achievement';

const FILES: Record<SchemaKind, Partial<Record<SchemaBuild, string>>> = {
  achievement: {
    'json-ld': 'ob3/json-ld/ob_v3p0_achievementcredential_schema.json',
    formal: 'ob3/formal-2024-07/achievementcredential.json',
  },
  endorsement: {
    'json-ld': 'ob3/json-ld/ob_v3p0_endorsementcredential_schema.json',
    formal: 'ob3/formal-2024-07/endorsementcredential.json',
  },
  profile: {
    'json-ld': 'ob3/json-ld/ob_v3p0_profile_schema.json',
    formal: 'ob3/formal-2024-07/profile.json',
  },
  // No strict build of the CLR schemas is public; the verifier uses this one (spec-digest §1.3).
  clr: {
    'json-ld': 'clr2/json-ld/clr_v2p0_clrcredential_schema.json',
  },
  // The CLR package's own AchievementCredential schema: what a credential bundled in a CLR is held to.
  'clr-achievement': {
    'json-ld': 'clr2/json-ld/clr_v2p0_achievementcredential_schema.json',
  },
};

export interface SchemaIssue {
  path: string;
  message: string;
  /** Ajv keyword that produced it (after collapsing). */
  keyword: string;
}

// One Ajv per build: the builds' schemas are separate documents with their own $ids.
const ajvs = new Map<SchemaBuild, InstanceType<typeof Ajv2019>>();
const compiled = new Map<string, ValidateFunction>();
const compileTimes = new Map<string, number>();
// Ajv inlines referenced definitions, so schemaPath doesn't always name the class; the
// (uncopied) schema objects it hands back in verbose mode do.
const classNames = new WeakMap<object, string>();

function ajvFor(build: SchemaBuild): InstanceType<typeof Ajv2019> {
  let ajv = ajvs.get(build);
  if (!ajv) {
    // strict: false because the official files use tuple `items` with `additionalItems` and
    // `$comment`s that Ajv's strict mode would reject; verbose gives parentSchema for messages.
    ajv = new Ajv2019({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    ajvs.set(build, ajv);
  }
  return ajv;
}

export function schemaValidator(kind: SchemaKind, build: SchemaBuild): ValidateFunction {
  const key = `${kind}:${build}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const file = FILES[kind][build];
  if (!file) throw new LaurelError('UNSUPPORTED', `There is no ${build} build of the ${kind} schema.`);
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(resourcePath('schemas', file), 'utf8'));
  } catch (cause) {
    throw new LaurelError('NOT_FOUND', `The bundled JSON Schema resources/schemas/${file} is missing or unreadable. Reinstall Laurel Studio.`, { cause });
  }
  if (isObject(schema) && isObject(schema.$defs)) {
    for (const [name, def] of Object.entries(schema.$defs)) if (isObject(def)) classNames.set(def, name);
  }
  const t0 = performance.now();
  const fn = ajvFor(build).compile(schema as object);
  compileTimes.set(key, performance.now() - t0);
  compiled.set(key, fn);
  return fn;
}

/** Compiles every validator now (e.g. at startup) and returns the milliseconds per schema. */
export function warmUpSchemas(): Record<string, number> {
  for (const kind of Object.keys(FILES) as SchemaKind[]) {
    for (const build of ['json-ld', 'formal'] as const) if (FILES[kind][build]) schemaValidator(kind, build);
  }
  return Object.fromEntries(compileTimes);
}

// ---- Ajv errors → readable issues --------------------------------------------------------

interface Entry extends SchemaIssue {
  instancePath: string;
  /** From a language-map branch of the JSON-LD build: noise unless nothing else explains the failure. */
  langMap: boolean;
  expectedType?: string;
}

function quote(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map(quote).join(', ');
  return values.length > 10 ? `${shown}, … (${values.length} values)` : shown;
}

function lastName(path: string): string {
  const m = /(?:\.([^.[\]]+)|\['([^']+)'\]|\[(\d+)\])$/.exec(path);
  if (!m) return 'the document';
  if (m[3] !== undefined) return `item ${m[3]} of ${lastName(path.slice(0, path.length - m[0].length))}`;
  return m[1] ?? m[2] ?? 'value';
}

function className(e: ErrorObject): string | undefined {
  if (isObject(e.parentSchema)) {
    const named = classNames.get(e.parentSchema);
    if (named) return named;
  }
  return /#\/\$defs\/([^/]+)/.exec(e.schemaPath)?.[1];
}

function article(type: string): string {
  const words = type.split(',').map((t) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : `a ${t}`));
  return words.join(' or ');
}

function isLangMapSchema(s: unknown): boolean {
  return isObject(s) && isObject(s.propertyNames) && s.type === 'object';
}

function translate(e: ErrorObject): Entry {
  const path = pointerToPath(e.instancePath);
  const name = lastName(path);
  const params = e.params as Record<string, unknown>;
  const cls = className(e);
  const base = { instancePath: e.instancePath, keyword: e.keyword, langMap: false };
  const langMap = e.schemaPath.includes('/propertyNames') || e.schemaPath.includes('/additionalProperties/') || (e.keyword === 'type' && isLangMapSchema(e.parentSchema));
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { ...base, langMap, path: `${path === '$' ? '$' : path}${/^[A-Za-z_$][\w$]*$/.test(missing) ? `.${missing}` : `['${missing}']`}`, message: `required property "${missing}" is missing${cls ? ` (${cls})` : ''}: add it.` };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = isObject(e.parentSchema) && isObject(e.parentSchema.properties) ? Object.keys(e.parentSchema.properties) : [];
      return {
        ...base,
        langMap,
        path: `${path}${/^[A-Za-z_$][\w$]*$/.test(extra) ? `.${extra}` : `['${extra}']`}`,
        message: `"${extra}" is not allowed here: ${cls ?? 'this object'} is a closed class${allowed.length ? ` (only ${allowed.join(', ')})` : ''}. Remove it.`,
      };
    }
    case 'type': {
      const t = String(params.type);
      const arrayHint = t === 'array' && !Array.isArray(e.data) ? ' The strict 2024 schema build requires every 0..* property to be an array: wrap the single value in [ ].' : '';
      return { ...base, langMap, path, expectedType: t, message: `${name} must be ${article(t)}.${arrayHint}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      return { ...base, langMap, path, message: `${name} must be ${allowed.length === 1 ? quote(allowed[0]) : `one of ${listValues(allowed)}`} (got ${quote(e.data)}).` };
    }
    case 'const':
      return { ...base, langMap, path, message: `${name} must be ${quote(params.allowedValue)} (got ${quote(e.data)}).` };
    case 'pattern':
      return { ...base, langMap, path, message: `${name} ${quote(e.data)} does not match the pattern ${String(params.pattern)}.` };
    case 'format': {
      const f = String(params.format);
      const how = f === 'date-time' ? 'an ISO 8601 date-time with a time zone, e.g. 2024-05-01T00:00:00Z' : f === 'date' ? 'a date YYYY-MM-DD' : `a valid ${f}`;
      return { ...base, langMap, path, message: `${name} must be ${how} (got ${quote(e.data)}).` };
    }
    case 'contains': {
      const want = isObject(e.parentSchema) && isObject(e.parentSchema.contains) && Array.isArray(e.parentSchema.contains.enum) ? e.parentSchema.contains.enum : undefined;
      return { ...base, langMap, path, message: want ? `${name} must include ${want.map(quote).join(' or ')}.` : `${name} must contain a matching item.` };
    }
    case 'minItems':
      return { ...base, langMap, path, message: `${name} must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}.` };
    default:
      return { ...base, langMap, path, message: `${name} ${e.message ?? 'is invalid'}.` };
  }
}

function under(entry: Entry, instancePath: string): boolean {
  return entry.instancePath === instancePath || entry.instancePath.startsWith(`${instancePath}/`);
}

/**
 * Ajv reports every failed branch of a oneOf/anyOf. A failed combinator's branch errors come
 * right before it, so we pop them and keep what explains the failure: the errors of branches
 * whose shape fits the data (a wrong-shape branch fails only on `type` at the same spot), minus
 * the JSON-LD build's language-map branches. If every branch failed on shape, one message names
 * the shapes that would do.
 */
function collapse(errors: readonly ErrorObject[]): Entry[] {
  const out: Entry[] = [];
  for (const e of errors) {
    if (e.schemaPath.includes('/contains/')) continue; // item-by-item noise of a failed `contains`
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') {
      out.push(translate(e));
      continue;
    }
    // (None of the OB schemas has a combinator at the document root, where this would take everything.)
    const group: Entry[] = [];
    while (out.length > 0 && under(out[out.length - 1] as Entry, e.instancePath)) group.unshift(out.pop() as Entry);
    const path = pointerToPath(e.instancePath);
    const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
    if (Array.isArray(passing)) {
      out.push({ instancePath: e.instancePath, path, keyword: e.keyword, langMap: false, message: `${lastName(path)} matches more than one of the allowed forms.` });
      continue;
    }
    const keep = group.filter((g) => !g.langMap && !(g.instancePath === e.instancePath && g.keyword === 'type'));
    if (keep.length > 0) {
      out.push(...keep);
      continue;
    }
    const shapes = [...new Set(group.filter((g) => g.keyword === 'type' && !g.langMap && g.expectedType).flatMap((g) => String(g.expectedType).split(',')))];
    const expectedType = shapes.length > 0 ? shapes.join(',') : undefined;
    out.push({
      instancePath: e.instancePath,
      path,
      keyword: 'type',
      langMap: false,
      ...(expectedType ? { expectedType } : {}),
      message: expectedType ? `${lastName(path)} must be ${article(expectedType)}.` : `${lastName(path)} does not match any allowed form.`,
    });
  }
  // A wrong type at a spot explains the enum/pattern/format failures there.
  const typed = new Set(out.filter((o) => o.keyword === 'type').map((o) => o.path));
  const seen = new Set<string>();
  const result: Entry[] = [];
  for (const o of out) {
    if (o.keyword !== 'type' && typed.has(o.path) && ['enum', 'const', 'pattern', 'format'].includes(o.keyword)) continue;
    const key = `${o.path}\u0000${o.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(o);
  }
  return result;
}

/** Validates against one build and returns readable issues (empty when valid). */
export function schemaIssues(json: unknown, kind: SchemaKind, build: SchemaBuild): SchemaIssue[] {
  const fn = schemaValidator(kind, build);
  if (fn(json)) return [];
  return collapse(fn.errors ?? []).map(({ path, message, keyword }) => ({ path, message, keyword }));
}
