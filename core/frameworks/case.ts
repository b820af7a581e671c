// CASE 1.1 CFPackage JSON in and out. The tree is the package's isChildOf associations (origin =
// child, destination = parent item or the document, sequenceNumber = order); every other
// association and every field we don't edit is kept and written back, so an exported package
// re-imports to the same framework and exports to the same bytes.
import { getFrameworkRow, insertFramework, insertFrameworkAssociation, insertFrameworkItem, updateFrameworkRow, type Db, type FrameworkItemRecord, type FrameworkRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { getFramework, MAX_ITEMS, nodeUri, type Framework } from './tree.ts';

type Json = Record<string, unknown>;

/** Where an item keeps the uri of its isChildOf association (not a CFItem field). */
const ASSOC_URI = '_childAssocUri';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CASE 1.1 association types (CFAssociation.associationType). */
export const CASE_ASSOCIATION_TYPES = ['isChildOf', 'isPeerOf', 'isPartOf', 'exactMatchOf', 'precedes', 'isRelatedTo', 'replacedBy', 'exemplar', 'hasSkillLevel', 'isTranslationOf'] as const;

const DOC_KEYS = ['identifier', 'uri', 'creator', 'title', 'lastChangeDateTime', 'description', 'language', 'version', 'CFPackageURI'];
const ITEM_KEYS = ['identifier', 'uri', 'fullStatement', 'humanCodingScheme', 'notes', 'CFItemType', 'language', 'lastChangeDateTime', 'CFDocumentURI'];

function bad(at: string, what: string): never {
  throw new LaurelError('INVALID_INPUT', `CASE package: ${at} ${what}.`);
}

function str(o: Json, key: string, at: string, required: boolean): string | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) bad(`${at}.${key}`, 'is required');
    return null;
  }
  if (typeof v !== 'string') bad(`${at}.${key}`, `must be text, not ${Array.isArray(v) ? 'a list' : typeof v}`);
  if (required && !v.trim()) bad(`${at}.${key}`, 'must not be empty');
  return v;
}

function rest(o: Json, known: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (!known.includes(k)) out[k] = v;
  return out;
}

function linkOf(v: unknown, at: string): { identifier: string; uri: string | null; title: string | null } {
  if (!isObject(v)) bad(at, 'must be an object {title, identifier, uri}');
  const identifier = str(v, 'identifier', at, false);
  const uri = str(v, 'uri', at, false);
  if (!identifier && !uri) bad(at, 'names no node: it needs an identifier or a uri');
  return { identifier: identifier ?? uri!, uri, title: str(v, 'title', at, false) };
}

/** The package object: the document itself, or one wrapped as { CFPackage: … }. */
function packageOf(json: unknown): Json {
  if (isObject(json) && isObject(json.CFPackage)) return json.CFPackage;
  if (!isObject(json)) bad('the file', 'is not a JSON object');
  return json;
}

export interface CaseImportOptions {
  /** Replace a framework with the same CFDocument identifier (default: refuse). */
  replace?: boolean;
}

/** Reads a CFPackage, checks it (every problem named by its JSON path) and stores it as a framework. */
export function importCasePackage(db: Db, json: unknown, options: CaseImportOptions = {}): Framework {
  const pkg = packageOf(json);
  if (!isObject(pkg.CFDocument)) bad('$.CFDocument', 'is missing: this is not a CASE CFPackage (it needs CFDocument, CFItems and CFAssociations)');
  const doc = pkg.CFDocument;
  const docId = str(doc, 'identifier', '$.CFDocument', true)!;
  const docUri = str(doc, 'uri', '$.CFDocument', true)!;
  const title = str(doc, 'title', '$.CFDocument', true)!;
  const creator = str(doc, 'creator', '$.CFDocument', true)!;
  const docChanged = str(doc, 'lastChangeDateTime', '$.CFDocument', false);
  const items = pkg.CFItems ?? [];
  const associations = pkg.CFAssociations ?? [];
  if (!Array.isArray(items)) bad('$.CFItems', 'must be a list');
  if (!Array.isArray(associations)) bad('$.CFAssociations', 'must be a list');
  if (items.length > MAX_ITEMS) bad('$.CFItems', `has ${items.length} items; a framework holds at most ${MAX_ITEMS}`);

  const now = new Date().toISOString();
  const byId = new Map<string, FrameworkItemRecord>();
  const byUri = new Map<string, string>();
  items.forEach((it, i) => {
    const at = `$.CFItems[${i}]`;
    if (!isObject(it)) bad(at, 'must be an object');
    const id = str(it, 'identifier', at, true)!;
    if (byId.has(id)) bad(`${at}.identifier`, `"${id}" is used by another item too`);
    const uri = str(it, 'uri', at, false) ?? `urn:uuid:${id}`;
    byId.set(id, {
      frameworkId: docId,
      id,
      uri,
      parentId: null,
      position: Number.MAX_SAFE_INTEGER,
      code: str(it, 'humanCodingScheme', at, false),
      statement: str(it, 'fullStatement', at, true)!,
      description: str(it, 'notes', at, false),
      itemType: str(it, 'CFItemType', at, false),
      language: str(it, 'language', at, false),
      childAssocId: '',
      extra: rest(it, ITEM_KEYS),
      updatedAt: str(it, 'lastChangeDateTime', at, false) ?? now,
    });
    byUri.set(uri, id);
  });
  const nodeId = (l: { identifier: string; uri: string | null }): string | undefined => (byId.has(l.identifier) ? l.identifier : l.uri ? byUri.get(l.uri) : undefined);
  const isDoc = (l: { identifier: string; uri: string | null }) => l.identifier === docId || l.uri === docUri;

  // The tree: each item's first isChildOf (lowest sequenceNumber) inside this package.
  const others: Array<{ id: string; json: Json }> = [];
  const assocIds = new Set<string>();
  const parentLinks: Array<{ child: string; parent: string | null; seq: number; assocId: string; json: Json }> = [];
  associations.forEach((a, i) => {
    const at = `$.CFAssociations[${i}]`;
    if (!isObject(a)) bad(at, 'must be an object');
    const id = str(a, 'identifier', at, true)!;
    if (assocIds.has(id)) bad(`${at}.identifier`, `"${id}" is used by another association too`);
    assocIds.add(id);
    const type = str(a, 'associationType', at, true)!;
    if (!(CASE_ASSOCIATION_TYPES as readonly string[]).includes(type)) bad(`${at}.associationType`, `"${type}" is not a CASE association type (${CASE_ASSOCIATION_TYPES.join(', ')})`);
    const origin = linkOf(a.originNodeURI, `${at}.originNodeURI`);
    const destination = linkOf(a.destinationNodeURI, `${at}.destinationNodeURI`);
    const child = nodeId(origin);
    const parent = isDoc(destination) ? null : nodeId(destination);
    if (type === 'isChildOf' && child !== undefined && (parent !== undefined || isDoc(destination))) {
      if (child === parent) bad(at, `makes the item "${child}" a child of itself`);
      const seq = typeof a.sequenceNumber === 'number' ? a.sequenceNumber : Number.MAX_SAFE_INTEGER;
      parentLinks.push({ child, parent: parent ?? null, seq, assocId: id, json: a });
    } else {
      others.push({ id, json: a });
    }
  });
  for (const link of parentLinks) {
    const item = byId.get(link.child)!;
    if (item.childAssocId) {
      others.push({ id: link.assocId, json: link.json }); // a second parent: kept as an association, not a tree edge
      continue;
    }
    item.parentId = link.parent;
    item.position = link.seq;
    item.childAssocId = link.assocId;
    // Only a uri other than the one export would write (urn:uuid:<identifier>) needs keeping.
    if (typeof link.json.uri === 'string' && link.json.uri !== `urn:uuid:${link.assocId}`) item.extra[ASSOC_URI] = link.json.uri;
  }
  for (const item of byId.values()) if (!item.childAssocId) item.childAssocId = `${item.id}-isChildOf`;
  // A loop in isChildOf has no root: name it.
  for (const item of byId.values()) {
    const seen = new Set<string>();
    for (let p: string | null = item.id; p; p = byId.get(p)?.parentId ?? null) {
      if (seen.has(p)) {
        const loop = [...seen].map((x) => byId.get(x)?.code ?? x);
        bad('$.CFAssociations', `has isChildOf associations that form a loop (${loop.join(' → ')}), so the items have no place in the tree`);
      }
      seen.add(p);
    }
  }
  // Positions become 0..n-1 per parent, keeping the package's order.
  const groups = new Map<string | null, FrameworkItemRecord[]>();
  for (const item of byId.values()) groups.set(item.parentId, [...(groups.get(item.parentId) ?? []), item]);
  for (const g of groups.values()) g.sort((a, b) => a.position - b.position).forEach((it, i) => (it.position = i));

  const record: FrameworkRecord = {
    id: docId,
    uri: docUri,
    title,
    creator,
    description: str(doc, 'description', '$.CFDocument', false),
    language: str(doc, 'language', '$.CFDocument', false),
    version: str(doc, 'version', '$.CFDocument', false),
    source: 'case',
    extra: { ...rest(doc, DOC_KEYS), ...(isObject(doc.CFPackageURI) ? { CFPackageURI: doc.CFPackageURI } : {}), ...packageExtras(pkg) },
    createdAt: now,
    updatedAt: docChanged ?? now,
  };
  db.transaction(() => {
    const existing = getFrameworkRow(db, docId);
    if (existing) {
      if (!options.replace) throw new LaurelError('CONFLICT', `A framework with the CFDocument identifier ${docId} ("${existing.title}") is already in this workspace; to overwrite it, import it with laurel framework import --replace.`);
      // Replaced in place: its saved versions stay.
      db.prepare('DELETE FROM framework_items WHERE framework_id = ?').run(docId);
      db.prepare('DELETE FROM framework_associations WHERE framework_id = ?').run(docId);
      updateFrameworkRow(db, { ...record, createdAt: existing.createdAt });
    } else {
      insertFramework(db, record);
    }
    for (const item of byId.values()) insertFrameworkItem(db, item);
    for (const o of others) insertFrameworkAssociation(db, docId, o.id, o.json);
  })();
  return getFramework(db, docId);
}

/** CFDefinitions, CFRubrics and any other top-level member: kept as they came. */
function packageExtras(pkg: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(pkg)) if (!['CFDocument', 'CFItems', 'CFAssociations'].includes(k)) out[`package:${k}`] = v;
  return out;
}

/** The framework as a CASE 1.1 CFPackage (CFDocument, CFItems, CFAssociations). */
export function exportCasePackage(f: Framework): Record<string, unknown> {
  const docLink = { title: f.title, identifier: f.id, uri: f.uri };
  const doc: Json = { identifier: f.id, uri: f.uri, creator: f.creator, title: f.title, lastChangeDateTime: f.updatedAt };
  if (f.description !== null) doc.description = f.description;
  if (f.language !== null) doc.language = f.language;
  if (f.version !== null) doc.version = f.version;
  const extras: Json = {};
  for (const [k, v] of Object.entries(f.extra)) {
    if (k.startsWith('package:')) extras[k.slice('package:'.length)] = v;
    else if (k !== 'baseUrl' && k !== 'targetType' && k !== 'ctid') doc[k] = v; // the studio's own notes, not CASE fields
  }
  doc.CFPackageURI = isObject(f.extra.CFPackageURI) ? f.extra.CFPackageURI : docLink;
  const byId = new Map(f.items.map((i) => [i.id, i]));
  const link = (i: { id: string; uri: string; statement: string; code: string | null }) => ({ title: i.code ?? i.statement.slice(0, 60), identifier: i.id, uri: i.uri });
  const items = f.items.map((i) => {
    const out: Json = { identifier: i.id, uri: i.uri, fullStatement: i.statement };
    if (i.code !== null) out.humanCodingScheme = i.code;
    if (i.description !== null) out.notes = i.description;
    if (i.type !== null) out.CFItemType = i.type;
    if (i.language !== null) out.language = i.language;
    for (const [k, v] of Object.entries(i.extra)) if (k !== ASSOC_URI) out[k] = v;
    out.lastChangeDateTime = i.updatedAt;
    out.CFDocumentURI = docLink;
    return out;
  });
  const tree = f.items.map((i) => {
    const parent = i.parentId ? byId.get(i.parentId) : undefined;
    return {
      identifier: i.childAssocId,
      associationType: 'isChildOf',
      sequenceNumber: i.position + 1,
      uri: typeof i.extra[ASSOC_URI] === 'string' ? i.extra[ASSOC_URI] : nodeUri(f, 'association', i.childAssocId),
      originNodeURI: link(i),
      destinationNodeURI: parent ? link(parent) : docLink,
      CFDocumentURI: docLink,
      lastChangeDateTime: i.updatedAt,
    };
  });
  return { CFDocument: doc, CFItems: items, CFAssociations: [...tree, ...f.associations], ...extras };
}
