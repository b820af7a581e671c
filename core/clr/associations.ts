// CLR 2.0 associations between achievements: the eight types, read as "source <type> target", and
// the checks the editor and the builder share: no self-loops, no ids that name no achievement of
// the record, no duplicates, and no pairs that contradict each other (A isChildOf B with
// B isChildOf A, A precedes B with B precedes A, a loop of either, an exact match that is also a
// child, …). Every problem names the association(s) by position and as written.
import { LaurelError } from '../util/errors.ts';

export const ASSOCIATION_TYPES = ['exactMatchOf', 'isChildOf', 'isParentOf', 'isPartOf', 'isPeerOf', 'isRelatedTo', 'precedes', 'replacedBy'] as const;
export type AssociationType = (typeof ASSOCIATION_TYPES)[number];

export interface AssociationInput {
  sourceId: string;
  associationType: AssociationType;
  targetId: string;
}

export interface Association extends AssociationInput {
  type: 'Association';
}

export interface AssociationIssue {
  /** Index of the association in the list given (0-based). */
  index: number;
  /** The other association it clashes with, when there is one. */
  other?: number;
  code: 'self-loop' | 'dangling' | 'duplicate' | 'contradiction' | 'cycle' | 'type';
  message: string;
}

const SYMMETRIC = new Set<AssociationType>(['exactMatchOf', 'isPeerOf', 'isRelatedTo']);

export function isAssociationType(v: unknown): v is AssociationType {
  return typeof v === 'string' && (ASSOCIATION_TYPES as readonly string[]).includes(v);
}

/** "<sourceId> <type> <targetId>" (the CLI's --association) → an association. */
export function parseAssociation(text: string): AssociationInput {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) throw new LaurelError('INVALID_INPUT', `The association "${text}" must be three words: <sourceId> <type> <targetId> (e.g. "urn:uuid:… isChildOf urn:uuid:…").`);
  const [sourceId, type, targetId] = parts as [string, string, string];
  if (!isAssociationType(type)) throw new LaurelError('INVALID_INPUT', `"${type}" in the association "${text}" is not an association type: use one of ${ASSOCIATION_TYPES.join(', ')}.`);
  return { sourceId, associationType: type, targetId };
}

const show = (a: AssociationInput) => `"${a.sourceId} ${a.associationType} ${a.targetId}"`;

/** Hierarchy edges child → parent (isParentOf turned around); isPartOf is its own hierarchy. */
function childEdge(a: AssociationInput): [string, string] | undefined {
  if (a.associationType === 'isChildOf') return [a.sourceId, a.targetId];
  if (a.associationType === 'isParentOf') return [a.targetId, a.sourceId];
  return undefined;
}

/** Finds a loop in a directed graph; returns its nodes (first repeated) or undefined. */
function findCycle(edges: ReadonlyArray<{ from: string; to: string }>): string[] | undefined {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const m of out.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of out.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/**
 * Every problem of a list of associations, given the achievements of the record (id → name). An
 * empty list means the associations can be signed.
 */
export function checkAssociations(list: readonly unknown[], achievements: ReadonlyMap<string, string>): AssociationIssue[] {
  const issues: AssociationIssue[] = [];
  const ok: Array<{ a: AssociationInput; index: number }> = [];
  const name = (id: string) => (achievements.has(id) ? `"${achievements.get(id)}"` : id);
  list.forEach((raw, index) => {
    const a = raw as Partial<AssociationInput>;
    if (typeof raw !== 'object' || raw === null || typeof a.sourceId !== 'string' || typeof a.targetId !== 'string' || !a.sourceId.trim() || !a.targetId.trim()) {
      issues.push({ index, code: 'type', message: `association ${index + 1} needs a sourceId and a targetId (achievement ids).` });
      return;
    }
    if (!isAssociationType(a.associationType)) {
      issues.push({ index, code: 'type', message: `association ${index + 1}: "${String(a.associationType)}" is not an association type (${ASSOCIATION_TYPES.join(', ')}).` });
      return;
    }
    const as = a as AssociationInput;
    if (as.sourceId === as.targetId) {
      issues.push({ index, code: 'self-loop', message: `association ${index + 1} ${show(as)} links ${name(as.sourceId)} to itself.` });
      return;
    }
    let dangling = false;
    for (const end of ['sourceId', 'targetId'] as const) {
      if (!achievements.has(as[end])) {
        dangling = true;
        issues.push({ index, code: 'dangling', message: `association ${index + 1} ${show(as)}: ${end} ${as[end]} is not the id of an achievement in this record (associations link achievement ids, not credential ids).` });
      }
    }
    if (!dangling) ok.push({ a: as, index });
  });

  const seen = new Map<string, number>();
  const clash = (x: { a: AssociationInput; index: number }, y: { a: AssociationInput; index: number }, why: string) =>
    issues.push({ index: y.index, other: x.index, code: 'contradiction', message: `association ${y.index + 1} ${show(y.a)} contradicts association ${x.index + 1} ${show(x.a)}: ${why}.` });
  for (const y of ok) {
    const key = `${y.a.sourceId}\u0000${y.a.associationType}\u0000${y.a.targetId}`;
    const mirror = `${y.a.targetId}\u0000${y.a.associationType}\u0000${y.a.sourceId}`;
    const dup = seen.get(key) ?? (SYMMETRIC.has(y.a.associationType) ? seen.get(mirror) : undefined);
    if (dup !== undefined) {
      issues.push({ index: y.index, other: dup, code: 'duplicate', message: `association ${y.index + 1} ${show(y.a)} repeats association ${dup + 1}.` });
      continue;
    }
    seen.set(key, y.index);
    for (const x of ok) {
      if (x.index >= y.index) break;
      const same = x.a.sourceId === y.a.sourceId && x.a.targetId === y.a.targetId;
      const reversed = x.a.sourceId === y.a.targetId && x.a.targetId === y.a.sourceId;
      if (!same && !reversed) continue;
      const cx = childEdge(x.a);
      const cy = childEdge(y.a);
      const tx = x.a.associationType;
      const ty = y.a.associationType;
      if (cx && cy) {
        if (cx[0] === cy[1] && cx[1] === cy[0]) clash(x, y, `${name(cx[0])} can't be both a child and the parent of ${name(cx[1])}`);
        else if (tx !== ty) issues.push({ index: y.index, other: x.index, code: 'duplicate', message: `association ${y.index + 1} ${show(y.a)} says the same as association ${x.index + 1} ${show(x.a)}.` });
      } else if (reversed && tx === ty && (tx === 'precedes' || tx === 'isPartOf' || tx === 'replacedBy')) {
        const why = tx === 'precedes' ? 'two achievements cannot each come before the other' : tx === 'isPartOf' ? 'two different achievements cannot each be part of the other' : 'two achievements cannot each replace the other';
        clash(x, y, why);
      } else if ((tx === 'exactMatchOf' && ty !== 'exactMatchOf' && ty !== 'isRelatedTo') || (ty === 'exactMatchOf' && tx !== 'exactMatchOf' && tx !== 'isRelatedTo')) {
        clash(x, y, 'an exact match of an achievement is that achievement, so it cannot also be its child, parent, part, peer, predecessor or replacement');
      } else if ((tx === 'isPeerOf' && (cy || ty === 'isPartOf')) || (ty === 'isPeerOf' && (cx || tx === 'isPartOf'))) {
        clash(x, y, 'peers stand side by side, so neither can be the parent, child or part of the other');
      }
    }
  }
  if (issues.some((i) => i.code === 'contradiction')) return issues;

  // Longer loops: A isChildOf B, B isChildOf C, C isChildOf A (and the same for precedes, isPartOf).
  const loops: Array<[string, (a: AssociationInput) => [string, string] | undefined]> = [
    ['isChildOf/isParentOf', childEdge],
    ['precedes', (a) => (a.associationType === 'precedes' ? [a.sourceId, a.targetId] : undefined)],
    ['isPartOf', (a) => (a.associationType === 'isPartOf' ? [a.sourceId, a.targetId] : undefined)],
    ['replacedBy', (a) => (a.associationType === 'replacedBy' ? [a.sourceId, a.targetId] : undefined)],
  ];
  for (const [label, edgeOf] of loops) {
    const edges = ok.flatMap((o) => {
      const e = edgeOf(o.a);
      return e ? [{ from: e[0], to: e[1], index: o.index }] : [];
    });
    const cycle = findCycle(edges);
    if (cycle) {
      const at = edges.find((e) => e.from === cycle[cycle.length - 2] && e.to === cycle[cycle.length - 1])!.index;
      issues.push({ index: at, code: 'cycle', message: `the ${label} associations form a loop: ${cycle.map(name).join(' → ')}.` });
    }
  }
  return issues;
}

/** Throws a VALIDATION error listing every problem (details.issues), or returns the Association objects. */
export function assertAssociations(list: readonly unknown[], achievements: ReadonlyMap<string, string>): Association[] {
  const issues = checkAssociations(list, achievements);
  if (issues.length) {
    throw new LaurelError('VALIDATION', `The associations can't be signed: ${issues.map((i) => i.message).join(' ')}`, { details: { issues } });
  }
  return (list as AssociationInput[]).map((a) => ({ type: 'Association', associationType: a.associationType, sourceId: a.sourceId, targetId: a.targetId }));
}
