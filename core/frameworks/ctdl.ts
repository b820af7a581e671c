// A CTDL-ASN competency framework (Credential Engine JSON-LD: an @graph holding one
// ceasn:CompetencyFramework and its ceasn:Competency nodes) → a framework whose alignments say
// targetType ceasn:Competency. The tree comes from ceasn:isChildOf, else from the parents'
// ceasn:hasChild and the framework's ceasn:hasTopChild (which also give the order).
import { randomUUID } from 'node:crypto';
import { getFrameworkRow, insertFramework, insertFrameworkItem, updateFrameworkRow, type Db, type FrameworkItemRecord, type FrameworkRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { getFramework, MAX_ITEMS, type Framework } from './tree.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const typesOf = (n: Json): string[] => list(n['@type']).filter((t): t is string => typeof t === 'string');

/** True when the JSON looks like a CTDL-ASN framework (rather than a CASE package). */
export function isCtdlFramework(json: unknown): boolean {
  const nodes = isObject(json) ? (Array.isArray(json['@graph']) ? json['@graph'] : [json]) : [];
  return nodes.some((n) => isObject(n) && typesOf(n).includes('ceasn:CompetencyFramework'));
}

/** A language map ({"en-US": "…"}) or a plain string → text (English first, else the first). */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (isObject(v)) {
    const keys = Object.keys(v);
    const key = keys.find((k) => k.toLowerCase().startsWith('en')) ?? keys[0];
    const value = key !== undefined ? v[key] : undefined;
    return text(Array.isArray(value) ? value[0] : value);
  }
  if (Array.isArray(v)) return text(v[0]);
  return null;
}

/** The UUID of a CTID (ce-<uuid>) or of a registry URL ending in one; else a new one. */
function uuidOf(node: Json): string {
  const ctid = typeof node['ceterms:ctid'] === 'string' ? node['ceterms:ctid'] : typeof node['@id'] === 'string' ? node['@id'].split('/').pop() : undefined;
  const m = ctid ? /^ce-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(ctid) : null;
  return m ? m[1]!.toLowerCase() : randomUUID();
}

export function importCtdlFramework(db: Db, json: unknown, options: { replace?: boolean } = {}): Framework {
  if (!isObject(json)) throw new LaurelError('INVALID_INPUT', 'CTDL framework: the file is not a JSON object.');
  const graph = Array.isArray(json['@graph']) ? json['@graph'] : [json];
  const fwIndex = graph.findIndex((n) => isObject(n) && typesOf(n).includes('ceasn:CompetencyFramework'));
  if (fwIndex < 0) throw new LaurelError('INVALID_INPUT', 'CTDL framework: no ceasn:CompetencyFramework in the @graph.');
  const fw = graph[fwIndex] as Json;
  const at = (i: number) => (Array.isArray(json['@graph']) ? `$['@graph'][${i}]` : '$');
  const fwUri = typeof fw['@id'] === 'string' ? fw['@id'] : undefined;
  if (!fwUri) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${at(fwIndex)}['@id'] is required (the framework's registry URL).`);
  const title = text(fw['ceasn:name']);
  if (!title) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${at(fwIndex)}['ceasn:name'] is required.`);
  const comps = graph.map((n, i) => ({ n, i })).filter((x): x is { n: Json; i: number } => isObject(x.n) && typesOf(x.n).includes('ceasn:Competency'));
  if (comps.length > MAX_ITEMS) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${comps.length} competencies; a framework holds at most ${MAX_ITEMS}.`);

  const id = uuidOf(fw);
  const now = new Date().toISOString();
  const byUri = new Map<string, FrameworkItemRecord>();
  const order = new Map<string, number>();
  for (const { n, i } of comps) {
    const uri = typeof n['@id'] === 'string' ? n['@id'] : undefined;
    if (!uri) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${at(i)}['@id'] is required.`);
    if (byUri.has(uri)) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${at(i)}['@id'] ${uri} appears twice.`);
    const statement = text(n['ceasn:competencyText']);
    if (!statement) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${at(i)}['ceasn:competencyText'] is required.`);
    const itemId = uuidOf(n);
    byUri.set(uri, {
      frameworkId: id,
      id: itemId,
      uri,
      parentId: null,
      position: 0,
      code: text(n['ceasn:codedNotation']),
      statement,
      description: text(n['ceasn:comment']),
      itemType: text(n['ceasn:competencyCategory']) ?? 'Competency',
      language: text(list(n['ceasn:inLanguage'])[0]),
      childAssocId: randomUUID(),
      extra: {},
      updatedAt: now,
    });
    order.set(uri, i);
  }
  // Parents: isChildOf first; else whoever lists it in hasChild. Order: hasChild/hasTopChild, then the file.
  const parentUri = new Map<string, string | null>();
  for (const { n } of comps) {
    const p = list(n['ceasn:isChildOf']).find((x): x is string => typeof x === 'string' && (byUri.has(x) || x === fwUri));
    if (p !== undefined) parentUri.set(n['@id'] as string, p === fwUri ? null : p);
  }
  const rank = new Map<string, number>();
  for (const { n } of comps) {
    list(n['ceasn:hasChild']).forEach((c, k) => {
      if (typeof c !== 'string' || !byUri.has(c)) return;
      if (!parentUri.has(c)) parentUri.set(c, n['@id'] as string);
      if (parentUri.get(c) === n['@id']) rank.set(c, k);
    });
  }
  list(fw['ceasn:hasTopChild']).forEach((c, k) => {
    if (typeof c !== 'string' || !byUri.has(c)) return;
    if (!parentUri.has(c)) parentUri.set(c, null);
    if (parentUri.get(c) === null) rank.set(c, k);
  });
  for (const [uri, item] of byUri) {
    const p = parentUri.get(uri) ?? null;
    if (p === uri) throw new LaurelError('INVALID_INPUT', `CTDL framework: ${uri} is its own parent (ceasn:isChildOf).`);
    item.parentId = p ? byUri.get(p)!.id : null;
  }
  const parentOf = new Map([...byUri.values()].map((i) => [i.id, i.parentId]));
  for (const item of byUri.values()) {
    const seen = new Set<string>();
    for (let p: string | null | undefined = item.id; p; p = parentOf.get(p)) {
      if (seen.has(p)) throw new LaurelError('INVALID_INPUT', `CTDL framework: the parent links of ${item.uri} make a loop, so it has no place in the tree.`);
      seen.add(p);
    }
  }
  const groups = new Map<string | null, FrameworkItemRecord[]>();
  for (const item of byUri.values()) groups.set(item.parentId, [...(groups.get(item.parentId) ?? []), item]);
  for (const g of groups.values()) {
    g.sort((a, b) => (rank.get(a.uri) ?? 1e9) - (rank.get(b.uri) ?? 1e9) || order.get(a.uri)! - order.get(b.uri)!).forEach((it, k) => (it.position = k));
  }
  const record: FrameworkRecord = {
    id,
    uri: fwUri,
    title,
    creator: text(fw['ceasn:publisherName']) ?? text(fw['ceasn:creator']) ?? text(fw['ceasn:publisher']) ?? 'Credential Engine Registry',
    description: text(fw['ceasn:description']),
    language: text(list(fw['ceasn:inLanguage'])[0]),
    version: text(fw['ceasn:versionCode']),
    source: 'ctdl',
    extra: { targetType: 'ceasn:Competency', ...(typeof fw['ceterms:ctid'] === 'string' ? { ctid: fw['ceterms:ctid'] } : {}) },
    createdAt: now,
    updatedAt: now,
  };
  db.transaction(() => {
    const existing = getFrameworkRow(db, id);
    if (existing) {
      if (!options.replace) throw new LaurelError('CONFLICT', `The framework ${fwUri} ("${existing.title}") is already in this workspace; to overwrite it, import it with laurel framework import --replace.`);
      // Replaced in place: its saved versions stay.
      db.prepare('DELETE FROM framework_items WHERE framework_id = ?').run(id);
      updateFrameworkRow(db, { ...record, createdAt: existing.createdAt });
    } else {
      insertFramework(db, record);
    }
    for (const item of byUri.values()) insertFrameworkItem(db, item);
  })();
  return getFramework(db, id);
}
