import type { Db } from './index.ts';

/**
 * Skill frameworks (migration 5): a CASE CFDocument and its CFItems as a tree (parent + position
 * among siblings), the other CASE associations as imported, and frozen versions (CFPackage JSON).
 * Rows only; core/frameworks holds the rules (moves without cycles, CASE import and export).
 */

export interface FrameworkRecord {
  id: string;
  uri: string;
  title: string;
  creator: string;
  description: string | null;
  language: string | null;
  version: string | null;
  source: 'studio' | 'case' | 'csv' | 'ctdl';
  extra: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface FrameworkItemRecord {
  frameworkId: string;
  id: string;
  uri: string;
  parentId: string | null;
  position: number;
  code: string | null;
  statement: string;
  description: string | null;
  itemType: string | null;
  language: string | null;
  childAssocId: string;
  extra: Record<string, unknown>;
  updatedAt: string;
}

interface FwRow {
  id: string;
  uri: string;
  title: string;
  creator: string;
  description: string | null;
  language: string | null;
  version: string | null;
  source: FrameworkRecord['source'];
  extra_json: string;
  created_at: string;
  updated_at: string;
}

interface ItemRow {
  framework_id: string;
  id: string;
  uri: string;
  parent_id: string | null;
  position: number;
  code: string | null;
  statement: string;
  description: string | null;
  item_type: string | null;
  language: string | null;
  child_assoc_id: string;
  extra_json: string;
  updated_at: string;
}

const fwFromRow = (r: FwRow): FrameworkRecord => ({
  id: r.id,
  uri: r.uri,
  title: r.title,
  creator: r.creator,
  description: r.description,
  language: r.language,
  version: r.version,
  source: r.source,
  extra: JSON.parse(r.extra_json) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const itemFromRow = (r: ItemRow): FrameworkItemRecord => ({
  frameworkId: r.framework_id,
  id: r.id,
  uri: r.uri,
  parentId: r.parent_id,
  position: r.position,
  code: r.code,
  statement: r.statement,
  description: r.description,
  itemType: r.item_type,
  language: r.language,
  childAssocId: r.child_assoc_id,
  extra: JSON.parse(r.extra_json) as Record<string, unknown>,
  updatedAt: r.updated_at,
});

export function insertFramework(db: Db, f: FrameworkRecord): void {
  db.prepare(
    `INSERT INTO frameworks (id, uri, title, creator, description, language, version, source, extra_json, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(f.id, f.uri, f.title, f.creator, f.description, f.language, f.version, f.source, JSON.stringify(f.extra), f.createdAt, f.updatedAt);
}

export function updateFrameworkRow(db: Db, f: FrameworkRecord): void {
  db.prepare(`UPDATE frameworks SET uri = ?, title = ?, creator = ?, description = ?, language = ?, version = ?, source = ?, extra_json = ?, updated_at = ? WHERE id = ?`).run(
    f.uri,
    f.title,
    f.creator,
    f.description,
    f.language,
    f.version,
    f.source,
    JSON.stringify(f.extra),
    f.updatedAt,
    f.id,
  );
}

export function touchFramework(db: Db, id: string, at = new Date().toISOString()): void {
  db.prepare('UPDATE frameworks SET updated_at = ? WHERE id = ?').run(at, id);
}

export function getFrameworkRow(db: Db, id: string): FrameworkRecord | undefined {
  const r = db.prepare('SELECT * FROM frameworks WHERE id = ?').get(id) as FwRow | undefined;
  return r && fwFromRow(r);
}

export function listFrameworkRows(db: Db): Array<FrameworkRecord & { items: number }> {
  const rows = db.prepare('SELECT f.*, (SELECT count(*) FROM framework_items i WHERE i.framework_id = f.id) AS n FROM frameworks f ORDER BY f.updated_at DESC').all() as Array<FwRow & { n: number }>;
  return rows.map((r) => ({ ...fwFromRow(r), items: r.n }));
}

export function deleteFrameworkRows(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM frameworks WHERE id = ?').run(id).changes > 0;
}

export function insertFrameworkItem(db: Db, i: FrameworkItemRecord): void {
  db.prepare(
    `INSERT INTO framework_items (framework_id, id, uri, parent_id, position, code, statement, description, item_type, language, child_assoc_id, extra_json, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(i.frameworkId, i.id, i.uri, i.parentId, i.position, i.code, i.statement, i.description, i.itemType, i.language, i.childAssocId, JSON.stringify(i.extra), i.updatedAt);
}

export function updateFrameworkItemRow(db: Db, i: FrameworkItemRecord): void {
  db.prepare(
    `UPDATE framework_items SET uri = ?, parent_id = ?, position = ?, code = ?, statement = ?, description = ?, item_type = ?, language = ?, extra_json = ?, updated_at = ?
     WHERE framework_id = ? AND id = ?`,
  ).run(i.uri, i.parentId, i.position, i.code, i.statement, i.description, i.itemType, i.language, JSON.stringify(i.extra), i.updatedAt, i.frameworkId, i.id);
}

export function getFrameworkItemRow(db: Db, frameworkId: string, id: string): FrameworkItemRecord | undefined {
  const r = db.prepare('SELECT * FROM framework_items WHERE framework_id = ? AND id = ?').get(frameworkId, id) as ItemRow | undefined;
  return r && itemFromRow(r);
}

/** Every item of a framework, siblings in position order (parents not necessarily first). */
export function listFrameworkItemRows(db: Db, frameworkId: string): FrameworkItemRecord[] {
  return (db.prepare('SELECT * FROM framework_items WHERE framework_id = ? ORDER BY parent_id IS NOT NULL, parent_id, position').all(frameworkId) as ItemRow[]).map(itemFromRow);
}

export function deleteFrameworkItemRow(db: Db, frameworkId: string, id: string): void {
  db.prepare('DELETE FROM framework_items WHERE framework_id = ? AND id = ?').run(frameworkId, id);
}

/** Items whose code, statement or description contains the query (case-insensitive), for the alignment picker. */
export function searchFrameworkItemRows(db: Db, query: string, options: { frameworkId?: string; limit?: number } = {}): Array<FrameworkItemRecord & { frameworkTitle: string }> {
  const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = db
    .prepare(
      `SELECT i.*, f.title AS framework_title FROM framework_items i JOIN frameworks f ON f.id = i.framework_id
       WHERE (? IS NULL OR i.framework_id = ?)
         AND (i.code LIKE ? ESCAPE '\\' OR i.statement LIKE ? ESCAPE '\\' OR i.description LIKE ? ESCAPE '\\')
       ORDER BY (i.code LIKE ? ESCAPE '\\') DESC, i.code, i.statement LIMIT ?`,
    )
    .all(options.frameworkId ?? null, options.frameworkId ?? null, like, like, like, `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, options.limit ?? 50) as Array<ItemRow & { framework_title: string }>;
  return rows.map((r) => ({ ...itemFromRow(r), frameworkTitle: r.framework_title }));
}

export function listFrameworkAssociationRows(db: Db, frameworkId: string): Array<Record<string, unknown>> {
  return (db.prepare('SELECT json FROM framework_associations WHERE framework_id = ? ORDER BY rowid').all(frameworkId) as Array<{ json: string }>).map((r) => JSON.parse(r.json) as Record<string, unknown>);
}

export function insertFrameworkAssociation(db: Db, frameworkId: string, id: string, json: Record<string, unknown>): void {
  db.prepare('INSERT INTO framework_associations (framework_id, id, json) VALUES (?, ?, ?)').run(frameworkId, id, JSON.stringify(json));
}

export function deleteFrameworkAssociationsTouching(db: Db, frameworkId: string, itemId: string): void {
  db.prepare(
    `DELETE FROM framework_associations WHERE framework_id = ?
       AND (json_extract(json, '$.originNodeURI.identifier') = ? OR json_extract(json, '$.destinationNodeURI.identifier') = ?)`,
  ).run(frameworkId, itemId, itemId);
}

export interface FrameworkVersionRecord {
  frameworkId: string;
  version: number;
  label: string | null;
  packageJson: string;
  sha256: string;
  createdAt: string;
}

export function insertFrameworkVersion(db: Db, v: FrameworkVersionRecord): void {
  db.prepare('INSERT INTO framework_versions (framework_id, version, label, package_json, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    v.frameworkId,
    v.version,
    v.label,
    v.packageJson,
    v.sha256,
    v.createdAt,
  );
}

export function listFrameworkVersionRows(db: Db, frameworkId: string): FrameworkVersionRecord[] {
  const rows = db.prepare('SELECT * FROM framework_versions WHERE framework_id = ? ORDER BY version').all(frameworkId) as Array<{
    framework_id: string;
    version: number;
    label: string | null;
    package_json: string;
    sha256: string;
    created_at: string;
  }>;
  return rows.map((r) => ({ frameworkId: r.framework_id, version: r.version, label: r.label, packageJson: r.package_json, sha256: r.sha256, createdAt: r.created_at }));
}
