/**
 * The achievement designer's checks: author input as a form produces it (empty fields, partial
 * lists) → the issues a person can fix, each with the JSON path of its field ($.name,
 * $.alignment[1].targetUrl, $.resultDescription[0].rubricCriterionLevel[2].name …), so the UI
 * shows every message at its field. The builder stops at the first problem, so this asks it again
 * with each problem set aside until it passes: every independent problem is found in one call.
 */
import { randomUUID } from 'node:crypto';
import { buildAchievementFromJson } from '../issue/index.ts';
import { isLaurelError } from '../util/errors.ts';

export interface DesignIssue {
  /** JSON path of the field, from `$` (the Achievement). */
  path: string;
  /** What is wrong, in plain words, without the path. */
  message: string;
}

export interface DesignCheck {
  ok: boolean;
  issues: DesignIssue[];
  /** The Achievement as it will be signed (ids filled in), when there are no issues. */
  achievement?: Record<string, unknown>;
}

/** The id a draft is checked under before it has one of its own (saving gives it a real one). */
export const DRAFT_ID = 'urn:uuid:00000000-0000-4000-8000-000000000000';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Leaves out what a form leaves empty: blank strings, empty lists and objects, nulls. The model
 * refuses empty values (an empty string is never meaningful in a credential), a form has plenty.
 */
export function cleanDraft(v: unknown): Json | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    // An emptied entry of a list of objects stays ({}), so the entries after it keep their index
    // (the form's rows) and the builder says what the empty one lacks.
    const out: Json[] = [];
    for (const x of v) {
      const c = cleanDraft(x) ?? (x && typeof x === 'object' && !Array.isArray(x) ? {} : undefined);
      if (c !== undefined) out.push(c);
    }
    return out.length ? out : undefined;
  }
  if (typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const c = cleanDraft(x);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return undefined;
}

/** `$.a[0].b` → ['a', 0, 'b']. */
function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\.([A-Za-z_@$][\w@$:-]*)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path.replace(/^\$/, '')))) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

/** A value the builder accepts for a required field, so the check can go on past it. */
function placeholder(key: string | number | undefined): Json {
  if (key === 'id' || key === 'requiredLevel' || key === 'resultDescription') return DRAFT_ID;
  if (key === 'targetUrl') return 'https://example.org/';
  if (key === 'resultType') return 'Result';
  if (key === 'criteria') return { narrative: 'x' };
  return 'x';
}

/** Sets the problem at `path` aside: removes it, or (a second time) puts a valid stand-in there. */
function setAside(root: Record<string, Json>, path: string, again: boolean): boolean {
  const keys = parsePath(path);
  if (!keys.length) return false;
  let node: Json = root;
  for (const k of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, Json>)[k as never] ?? null;
  }
  if (node === null || typeof node !== 'object') return false;
  const last = keys.at(-1)!;
  if (Array.isArray(node) && typeof last === 'number') {
    // A whole list entry is wrong (not an object): the list is set aside, so entries keep their paths.
    return setAside(root, path.replace(/\[\d+\]$/, ''), again);
  }
  const obj = node as Record<string, Json>;
  if (again || !(last in obj)) obj[String(last)] = placeholder(last);
  else delete obj[String(last)];
  return true;
}

function messageOf(e: unknown, path: string): string {
  const m = (e as Error).message.replace(/^The achievement is not valid: /, '');
  return m.startsWith(`${path}: `) ? m.slice(path.length + 2) : m;
}

/** Checks a draft from the designer; finds up to 40 independent problems. */
export function checkAchievementDraft(draft: unknown): DesignCheck {
  const cleaned = cleanDraft(draft);
  const root = (cleaned && typeof cleaned === 'object' && !Array.isArray(cleaned) ? cleaned : {}) as Record<string, Json>;
  if (root.id === undefined) root.id = DRAFT_ID;
  if (root.type === undefined) root.type = ['Achievement'];
  const issues: DesignIssue[] = [];
  const seen = new Map<string, number>();
  const work = structuredClone(root);
  for (let i = 0; i < 60 && issues.length < 40; i++) {
    try {
      const built = buildAchievementFromJson(work);
      if (!issues.length) return { ok: true, issues, achievement: built };
      break;
    } catch (e) {
      if (!isLaurelError(e) || e.code !== 'VALIDATION') throw e;
      const details = e.details as { path?: string; issues?: Array<{ path: string; message: string }> } | undefined;
      const found = details?.issues?.length ? details.issues : [{ path: details?.path ?? '$', message: messageOf(e, details?.path ?? '$') }];
      let progressed = false;
      for (const f of found) {
        const path = f.path ?? '$';
        const count = seen.get(path) ?? 0;
        if (count === 0) issues.push({ path, message: details?.issues?.length ? f.message : messageOf(e, path) });
        seen.set(path, count + 1);
        if (count < 2 && setAside(work, path, count === 1)) progressed = true;
      }
      if (!progressed) break;
    }
  }
  return { ok: false, issues };
}

/** A draft ready to save: cleaned, and with an id of its own when it is new. */
export function draftForSaving(draft: unknown): Record<string, unknown> {
  const cleaned = cleanDraft(draft);
  const root = (cleaned && typeof cleaned === 'object' && !Array.isArray(cleaned) ? cleaned : {}) as Record<string, Json>;
  if (root.id === undefined || root.id === DRAFT_ID) root.id = `urn:uuid:${randomUUID()}`;
  if (root.type === undefined) root.type = ['Achievement'];
  return root;
}
