// A framework as the studio designs it: a tree of competencies (CASE CFItems) under a document,
// with add, edit, move (no cycles), reorder, delete and frozen versions. All writes go through here.
import { createHash, randomUUID } from 'node:crypto';
import {
  deleteFrameworkAssociationsTouching,
  deleteFrameworkItemRow,
  deleteFrameworkRows,
  getFrameworkItemRow,
  getFrameworkRow,
  insertFramework,
  insertFrameworkItem,
  insertFrameworkVersion,
  listFrameworkAssociationRows,
  listFrameworkItemRows,
  listFrameworkRows,
  listFrameworkVersionRows,
  touchFramework,
  updateFrameworkItemRow,
  updateFrameworkRow,
  type Db,
  type FrameworkItemRecord,
  type FrameworkRecord,
} from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

export interface FrameworkItem {
  id: string;
  uri: string;
  parentId: string | null;
  position: number;
  /** Depth in the tree, 0 for a top-level item. */
  depth: number;
  code: string | null;
  statement: string;
  description: string | null;
  type: string | null;
  language: string | null;
  childAssocId: string;
  extra: Record<string, unknown>;
  updatedAt: string;
}

export interface Framework extends Omit<FrameworkRecord, 'extra'> {
  extra: Record<string, unknown>;
  /** Depth-first, siblings in order: the order a tree view shows. */
  items: FrameworkItem[];
  /** CASE associations other than the tree's isChildOf, as imported. */
  associations: Array<Record<string, unknown>>;
}

export interface FrameworkSummary {
  id: string;
  title: string;
  creator: string;
  version: string | null;
  source: FrameworkRecord['source'];
  items: number;
  updatedAt: string;
}

export interface NewFramework {
  title: string;
  creator?: string;
  description?: string;
  language?: string;
  version?: string;
  /** https folder the framework will be published under; the document and items get URLs under it. Default: urn:uuid ids. */
  baseUrl?: string;
}

export interface ItemInput {
  statement?: string;
  code?: string | null;
  description?: string | null;
  type?: string | null;
  language?: string | null;
}

export const MAX_ITEMS = 50_000;
const LANG = /^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

function text(v: unknown, at: string, max: number, required: boolean): string | null {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '' && !required)) return null;
  if (typeof v !== 'string') throw new LaurelError('INVALID_INPUT', `${at} must be text.`);
  const t = v.trim();
  if (required && !t) throw new LaurelError('INVALID_INPUT', `${at} must not be empty.`);
  if (t.length > max) throw new LaurelError('INVALID_INPUT', `${at} is longer than ${max} characters.`);
  return t;
}

function language(v: unknown, at: string): string | null {
  const l = text(v, at, 35, false);
  if (l !== null && !LANG.test(l)) throw new LaurelError('INVALID_INPUT', `${at} "${l}" is not a language code like en, fr or en-GB.`);
  return l;
}

export function checkUrl(v: string, at: string): string {
  if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/i.test(v)) throw new LaurelError('INVALID_INPUT', `${at} must be an https:// address (got "${v}").`);
  return v.replace(/\/+$/, '');
}

/** The uri of a node: under the framework's base URL when it has one, else urn:uuid. */
export function nodeUri(framework: Pick<FrameworkRecord, 'extra'>, kind: 'document' | 'item' | 'association', id: string): string {
  const base = typeof framework.extra.baseUrl === 'string' ? framework.extra.baseUrl : undefined;
  if (!base) return `urn:uuid:${id}`;
  return kind === 'document' ? `${base}/${id}` : `${base}/${kind === 'item' ? 'items' : 'associations'}/${id}`;
}

function requireFramework(db: Db, id: string): FrameworkRecord {
  const f = getFrameworkRow(db, id);
  if (!f) throw new LaurelError('NOT_FOUND', `No framework ${id} in this workspace.`);
  return f;
}

function requireItem(db: Db, frameworkId: string, id: string): FrameworkItemRecord {
  const i = getFrameworkItemRow(db, frameworkId, id);
  if (!i) throw new LaurelError('NOT_FOUND', `The framework has no item ${id}.`);
  return i;
}

/** Items depth-first with their depth; orphans (a parent that is missing) come last at depth 0. */
export function treeOrder(rows: readonly FrameworkItemRecord[]): FrameworkItem[] {
  const children = new Map<string | null, FrameworkItemRecord[]>();
  const ids = new Set(rows.map((r) => r.id));
  for (const r of rows) {
    const p = r.parentId !== null && ids.has(r.parentId) ? r.parentId : null;
    const list = children.get(p) ?? [];
    list.push(r);
    children.set(p, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.position - b.position || a.id.localeCompare(b.id));
  const out: FrameworkItem[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const { frameworkId: _f, itemType, ...rest } = r;
      out.push({ ...rest, type: itemType, depth });
      walk(r.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function getFramework(db: Db, id: string): Framework {
  const f = requireFramework(db, id);
  return { ...f, items: treeOrder(listFrameworkItemRows(db, id)), associations: listFrameworkAssociationRows(db, id) };
}

export function listFrameworks(db: Db): FrameworkSummary[] {
  return listFrameworkRows(db).map((f) => ({ id: f.id, title: f.title, creator: f.creator, version: f.version, source: f.source, items: f.items, updatedAt: f.updatedAt }));
}

export function createFramework(db: Db, input: NewFramework): Framework {
  const id = randomUUID();
  const now = new Date().toISOString();
  const extra: Record<string, unknown> = {};
  if (input.baseUrl) extra.baseUrl = checkUrl(input.baseUrl.trim(), 'baseUrl');
  const record: FrameworkRecord = {
    id,
    uri: '',
    title: text(input.title, 'title', 500, true)!,
    creator: text(input.creator, 'creator', 500, false) ?? 'Laurel Studio',
    description: text(input.description, 'description', 20_000, false),
    language: language(input.language, 'language'),
    version: text(input.version, 'version', 100, false),
    source: 'studio',
    extra,
    createdAt: now,
    updatedAt: now,
  };
  record.uri = nodeUri(record, 'document', id);
  insertFramework(db, record);
  return getFramework(db, id);
}

export function updateFramework(db: Db, id: string, patch: Omit<Partial<NewFramework>, 'baseUrl'>): Framework {
  const f = requireFramework(db, id);
  if (patch.title !== undefined) f.title = text(patch.title, 'title', 500, true)!;
  if (patch.creator !== undefined) f.creator = text(patch.creator, 'creator', 500, true)!;
  if (patch.description !== undefined) f.description = text(patch.description, 'description', 20_000, false);
  if (patch.language !== undefined) f.language = language(patch.language, 'language');
  if (patch.version !== undefined) f.version = text(patch.version, 'version', 100, false);
  f.updatedAt = new Date().toISOString();
  updateFrameworkRow(db, f);
  return getFramework(db, id);
}

export function deleteFramework(db: Db, id: string): void {
  if (!deleteFrameworkRows(db, id)) throw new LaurelError('NOT_FOUND', `No framework ${id} in this workspace.`);
}

function siblings(db: Db, frameworkId: string, parentId: string | null): FrameworkItemRecord[] {
  return listFrameworkItemRows(db, frameworkId)
    .filter((r) => r.parentId === parentId)
    .sort((a, b) => a.position - b.position);
}

/** Writes positions 0..n-1 in the given order (only rows whose position changed). */
function renumber(db: Db, rows: FrameworkItemRecord[], now: string): void {
  rows.forEach((r, i) => {
    if (r.position !== i) updateFrameworkItemRow(db, { ...r, position: i, updatedAt: now });
  });
}

export function addItem(db: Db, frameworkId: string, input: ItemInput & { parentId?: string | null; position?: number }): FrameworkItem {
  const f = requireFramework(db, frameworkId);
  const count = (db.prepare('SELECT count(*) AS n FROM framework_items WHERE framework_id = ?').get(frameworkId) as { n: number }).n;
  if (count >= MAX_ITEMS) throw new LaurelError('INVALID_INPUT', `A framework holds at most ${MAX_ITEMS} items.`);
  const parentId = input.parentId ?? null;
  if (parentId !== null) requireItem(db, frameworkId, parentId);
  const now = new Date().toISOString();
  const id = randomUUID();
  const sibs = siblings(db, frameworkId, parentId);
  const at = input.position === undefined ? sibs.length : Math.max(0, Math.min(sibs.length, Math.trunc(input.position)));
  const record: FrameworkItemRecord = {
    frameworkId,
    id,
    uri: nodeUri(f, 'item', id),
    parentId,
    position: at,
    code: text(input.code, 'code', 200, false),
    statement: text(input.statement, 'statement', 20_000, true)!,
    description: text(input.description, 'description', 20_000, false),
    itemType: text(input.type, 'type', 200, false),
    language: language(input.language, 'language'),
    childAssocId: randomUUID(),
    extra: {},
    updatedAt: now,
  };
  db.transaction(() => {
    insertFrameworkItem(db, record);
    sibs.splice(at, 0, record);
    renumber(db, sibs, now);
    touchFramework(db, frameworkId, now);
  })();
  return getFramework(db, frameworkId).items.find((i) => i.id === id)!;
}

export function updateItem(db: Db, frameworkId: string, itemId: string, patch: ItemInput): FrameworkItem {
  const r = requireItem(db, frameworkId, itemId);
  if (patch.statement !== undefined) r.statement = text(patch.statement, 'statement', 20_000, true)!;
  if (patch.code !== undefined) r.code = text(patch.code, 'code', 200, false);
  if (patch.description !== undefined) r.description = text(patch.description, 'description', 20_000, false);
  if (patch.type !== undefined) r.itemType = text(patch.type, 'type', 200, false);
  if (patch.language !== undefined) r.language = language(patch.language, 'language');
  r.updatedAt = new Date().toISOString();
  db.transaction(() => {
    updateFrameworkItemRow(db, r);
    touchFramework(db, frameworkId, r.updatedAt);
  })();
  return getFramework(db, frameworkId).items.find((i) => i.id === itemId)!;
}

/**
 * Moves an item (with its subtree) under another parent (null: top level) at a position among
 * the new siblings; the same parent with another position is a reorder. An item can't move under
 * itself or one of its own descendants.
 */
export function moveItem(db: Db, frameworkId: string, itemId: string, to: { parentId: string | null; position?: number }): Framework {
  const item = requireItem(db, frameworkId, itemId);
  const parentId = to.parentId ?? null;
  if (parentId !== null) {
    if (parentId === itemId) throw new LaurelError('INVALID_INPUT', `An item can't be its own parent (${item.code ?? item.statement}).`);
    requireItem(db, frameworkId, parentId);
    const rows = listFrameworkItemRows(db, frameworkId);
    const parentOf = new Map(rows.map((r) => [r.id, r.parentId]));
    for (let p: string | null | undefined = parentId; p; p = parentOf.get(p)) {
      if (p === itemId) {
        const target = rows.find((r) => r.id === parentId)!;
        throw new LaurelError('INVALID_INPUT', `Can't move "${item.code ?? item.statement}" under "${target.code ?? target.statement}": that item is inside it, which would make a loop.`);
      }
    }
  }
  const now = new Date().toISOString();
  db.transaction(() => {
    const old = siblings(db, frameworkId, item.parentId).filter((s) => s.id !== itemId);
    renumber(db, old, now);
    const sibs = siblings(db, frameworkId, parentId).filter((s) => s.id !== itemId);
    const at = to.position === undefined ? sibs.length : Math.max(0, Math.min(sibs.length, Math.trunc(to.position)));
    const moved = { ...item, parentId, updatedAt: now };
    sibs.splice(at, 0, moved);
    sibs.forEach((s, i) => {
      if (s === moved) updateFrameworkItemRow(db, { ...moved, position: i });
      else if (s.position !== i) updateFrameworkItemRow(db, { ...s, position: i, updatedAt: now });
    });
    touchFramework(db, frameworkId, now);
  })();
  return getFramework(db, frameworkId);
}

/** Deletes an item; one with children needs `withChildren` (then its whole subtree goes). */
export function deleteItem(db: Db, frameworkId: string, itemId: string, options: { withChildren?: boolean } = {}): Framework {
  const item = requireItem(db, frameworkId, itemId);
  const rows = listFrameworkItemRows(db, frameworkId);
  const doomed = new Set([itemId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) if (r.parentId && doomed.has(r.parentId) && !doomed.has(r.id)) doomed.add(r.id), (grew = true);
  }
  if (doomed.size > 1 && !options.withChildren) {
    throw new LaurelError('CONFLICT', `"${item.code ?? item.statement}" has ${doomed.size - 1} item(s) under it; move them first or delete them with it.`);
  }
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const id of doomed) {
      deleteFrameworkItemRow(db, frameworkId, id);
      deleteFrameworkAssociationsTouching(db, frameworkId, id);
    }
    renumber(db, siblings(db, frameworkId, item.parentId), now);
    touchFramework(db, frameworkId, now);
  })();
  return getFramework(db, frameworkId);
}

export interface FrameworkVersion {
  version: number;
  label: string | null;
  sha256: string;
  createdAt: string;
  items: number;
}

/**
 * Freezes the framework as it is now (its CFPackage) as the next version. `pack` is the CASE
 * exporter (passed in so this module does not depend on the CASE format).
 */
export function saveFrameworkVersion(db: Db, frameworkId: string, pack: (f: Framework) => Record<string, unknown>, label?: string): FrameworkVersion {
  const f = getFramework(db, frameworkId);
  const packageJson = JSON.stringify(pack(f));
  const versions = listFrameworkVersionRows(db, frameworkId);
  const last = versions.at(-1);
  const sha256 = createHash('sha256').update(packageJson).digest('hex');
  if (last && last.sha256 === sha256) {
    throw new LaurelError('CONFLICT', `Nothing changed since version ${last.version}${last.label ? ` (${last.label})` : ''}.`);
  }
  const record = { frameworkId, version: (last?.version ?? 0) + 1, label: text(label, 'label', 200, false), packageJson, sha256, createdAt: new Date().toISOString() };
  insertFrameworkVersion(db, record);
  return { version: record.version, label: record.label, sha256, createdAt: record.createdAt, items: f.items.length };
}

export function frameworkVersions(db: Db, frameworkId: string): FrameworkVersion[] {
  requireFramework(db, frameworkId);
  return listFrameworkVersionRows(db, frameworkId).map((v) => ({
    version: v.version,
    label: v.label,
    sha256: v.sha256,
    createdAt: v.createdAt,
    items: ((JSON.parse(v.packageJson) as { CFItems?: unknown[] }).CFItems ?? []).length,
  }));
}

/** The CFPackage of a saved version, as it was frozen. */
export function frameworkVersionPackage(db: Db, frameworkId: string, version: number): Record<string, unknown> {
  const v = listFrameworkVersionRows(db, frameworkId).find((x) => x.version === version);
  if (!v) throw new LaurelError('NOT_FOUND', `The framework has no saved version ${version}.`);
  return JSON.parse(v.packageJson) as Record<string, unknown>;
}
