import { CONTEXTS } from '../jsonld/index.ts';
import { ENUMS, describeEnumProblem, type EnumInfo } from './enums.ts';
import { describeIdentityHashProblem } from './identity.ts';
import { isExtensionType } from './terms.ts';
import { childPath, describeDateProblem, describeDateTimeProblem, instant, isObject, listAt, typesOf, type JsonObject } from './util.ts';

/**
 * The rules the JSON Schemas can't express (spec-digest §2, §11, §14, §16). Each check knows
 * the class of the object it looks at, so messages can say what the property is for.
 */

export interface RuleIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /**
   * Schema issues this rule replaces with a better message: those at exactly `path` ('node'), or
   * at or below it ('subtree'). Only error rules replace anything.
   */
  covers?: 'node' | 'subtree';
}

export type CredentialKind = 'achievement' | 'endorsement' | 'profile';

// The official schema's pattern (it does not list OB 3.0.0's alias …/context/ob_v3p0.jsonld).
export const OB_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/;
const LANGUAGE_CODE = /^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

type Issues = RuleIssue[];

function err(issues: Issues, path: string, message: string, covers?: 'node' | 'subtree'): void {
  issues.push(covers ? { path, message, severity: 'error', covers } : { path, message, severity: 'error' });
}
function warn(issues: Issues, path: string, message: string): void {
  issues.push({ path, message, severity: 'warning' });
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function checkDateTime(node: JsonObject, key: string, path: string, issues: Issues): void {
  const v = node[key];
  if (v === undefined) return;
  const problem = describeDateTimeProblem(v);
  if (problem) err(issues, childPath(path, key), `${key} ${problem}`, 'node');
}

function checkEnum(node: JsonObject, key: string, info: EnumInfo, path: string, issues: Issues): void {
  const v = node[key];
  if (v === undefined) return;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return; // a language map (JSON-LD build); the schema judges it
  const problem = describeEnumProblem(info, v);
  if (problem) err(issues, childPath(path, key), problem, 'node');
}

function checkLanguage(node: JsonObject, path: string, issues: Issues): void {
  const v = node.inLanguage;
  if (typeof v !== 'string') return;
  if (!LANGUAGE_CODE.test(v)) {
    err(issues, childPath(path, 'inLanguage'), `"${v}" is not a language code of the form the spec allows (BCP 47 subset: "en", "en-US", "zh-Hant-TW", "es-419"). Language is lowercase, script Titlecase, region uppercase.`, 'node');
  }
}

function checkScalarType(node: JsonObject, className: string, path: string, issues: Issues): void {
  const t = node.type;
  if (Array.isArray(t)) {
    err(issues, childPath(path, 'type'), `type of ${className} must be the string "${className}", not an array: ${className} is one of the scalar-only classes, and the schemas reject an array here.`, 'node');
  } else if (t !== undefined && t !== className) {
    err(issues, childPath(path, 'type'), `type of ${className} must be exactly "${className}" (got ${JSON.stringify(t)}).`, 'node');
  }
}

// ---- per-class checks -------------------------------------------------------------------

function image(v: unknown, path: string, issues: Issues): void {
  if (typeof v === 'string') {
    err(issues, path, `image must be an object {"id": "<URL or data: URI>", "type": "Image"}, not a bare string (that is the OB 2.0 form, which OB 3.0 schemas reject).`, 'subtree');
    return;
  }
  if (!isObject(v)) return;
  checkScalarType(v, 'Image', path, issues);
}

function identityObject(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  checkScalarType(v, 'IdentityObject', path, issues);
  if (v.identityType === 'email') {
    err(issues, childPath(path, 'identityType'), 'identityType "email" is not in IdentifierTypeEnum (a known mistake copied from the implementation guide): write "emailAddress".', 'node');
  } else {
    checkEnum(v, 'identityType', ENUMS.IdentifierTypeEnum, path, issues);
  }
  if (v.hashed === true) {
    const problem = describeIdentityHashProblem(v.identityHash);
    if (problem) err(issues, childPath(path, 'identityHash'), problem, 'node');
  }
}

function identifierEntry(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  checkScalarType(v, 'IdentifierEntry', path, issues);
  checkEnum(v, 'identifierType', ENUMS.IdentifierTypeEnum, path, issues);
}

function alignment(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  checkEnum(v, 'targetType', ENUMS.AlignmentTargetType, path, issues);
}

function alignments(node: JsonObject, path: string, issues: Issues): void {
  for (const a of listAt(node.alignment, childPath(path, 'alignment'))) alignment(a.value, a.path, issues);
}

function address(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  if (isObject(v.geo)) checkScalarType(v.geo, 'GeoCoordinates', childPath(path, 'geo'), issues);
}

function profile(v: unknown, path: string, issues: Issues, depth: number): void {
  if (!isObject(v)) return;
  if (v.image !== undefined) image(v.image, childPath(path, 'image'), issues);
  address(v.address, childPath(path, 'address'), issues);
  for (const o of listAt(v.otherIdentifier, childPath(path, 'otherIdentifier'))) identifierEntry(o.value, o.path, issues);
  if (v.dateOfBirth !== undefined) {
    const problem = describeDateProblem(v.dateOfBirth);
    if (problem) err(issues, childPath(path, 'dateOfBirth'), `dateOfBirth ${problem}`, 'node');
  }
  // parentOrg chains are short in practice; the depth cap only guards against absurd input.
  if (depth < 20) profile(v.parentOrg, childPath(path, 'parentOrg'), issues, depth + 1);
  endorsements(v, path, issues);
}

function endorsements(node: JsonObject, path: string, issues: Issues): void {
  for (const e of listAt(node.endorsement, childPath(path, 'endorsement'))) credential(e.value, e.path, 'endorsement', issues, true);
}

function resultDescription(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  checkEnum(v, 'resultType', ENUMS.ResultType, path, issues);
  alignments(v, path, issues);
  const levels = listAt(v.rubricCriterionLevel, childPath(path, 'rubricCriterionLevel'));
  for (const l of levels) if (isObject(l.value)) alignments(l.value, l.path, issues);
  if (typeof v.requiredLevel === 'string') {
    const ids = levels.map((l) => (isObject(l.value) ? l.value.id : undefined));
    if (!ids.includes(v.requiredLevel)) {
      err(issues, childPath(path, 'requiredLevel'), `requiredLevel "${v.requiredLevel}" is not the id of one of this ResultDescription's rubricCriterionLevel entries${ids.length ? ` (${ids.filter(Boolean).join(', ')})` : ' (it has none)'}.`);
    }
  }
}

function achievement(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  if (isObject(v.criteria) && !nonEmptyString(v.criteria.id) && !nonEmptyString(v.criteria.narrative)) {
    err(issues, childPath(path, 'criteria'), 'criteria says nothing: give a narrative (Markdown: how to earn this achievement) or an id (URL of a page describing the criteria). Verifiers report criteria without either as an error.');
  }
  checkEnum(v, 'achievementType', ENUMS.AchievementType, path, issues);
  checkLanguage(v, path, issues);
  alignments(v, path, issues);
  if (isObject(v.creator)) profile(v.creator, childPath(path, 'creator'), issues, 0);
  if (v.image !== undefined) image(v.image, childPath(path, 'image'), issues);
  for (const o of listAt(v.otherIdentifier, childPath(path, 'otherIdentifier'))) identifierEntry(o.value, o.path, issues);
  for (const r of listAt(v.related, childPath(path, 'related'))) if (isObject(r.value)) checkLanguage(r.value, r.path, issues);
  const seen = new Map<string, string>();
  for (const rd of listAt(v.resultDescription, childPath(path, 'resultDescription'))) {
    resultDescription(rd.value, rd.path, issues);
    if (!isObject(rd.value)) continue;
    const ids = [rd.value.id, ...listAt(rd.value.rubricCriterionLevel, '').map((l) => (isObject(l.value) ? l.value.id : undefined))];
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      const first = seen.get(id);
      if (first) err(issues, childPath(rd.path, 'id'), `the id "${id}" is used twice in this achievement (first at ${first}); results point at ResultDescriptions and levels by id, so each needs its own.`);
      else seen.set(id, rd.path);
    }
  }
  endorsements(v, path, issues);
}

function result(v: unknown, path: string, ach: JsonObject | undefined, issues: Issues): void {
  if (!isObject(v)) return;
  alignments(v, path, issues);
  checkEnum(v, 'status', ENUMS.ResultStatusType, path, issues);
  const rds = ach ? listAt(ach.resultDescription, '').map((r) => r.value).filter(isObject) : [];
  const levelsOf = (rd: JsonObject) => listAt(rd.rubricCriterionLevel, '').map((l) => l.value).filter(isObject);
  let linked: JsonObject | undefined;
  if (typeof v.resultDescription === 'string') {
    linked = rds.find((rd) => rd.id === v.resultDescription);
    if (!linked) {
      const known = rds.map((rd) => rd.id).filter((x): x is string => typeof x === 'string');
      err(issues, childPath(path, 'resultDescription'), `resultDescription "${v.resultDescription}" is not the id of a ResultDescription of this credential's achievement${known.length ? ` (it has: ${known.slice(0, 5).join(', ')})` : ' (the achievement has no resultDescription)'}.`);
    }
  }
  if (typeof v.achievedLevel === 'string') {
    const level = v.achievedLevel;
    const owner = rds.find((rd) => levelsOf(rd).some((l) => l.id === level));
    if (linked) {
      if (!levelsOf(linked).some((l) => l.id === level)) {
        err(
          issues,
          childPath(path, 'achievedLevel'),
          owner
            ? `achievedLevel "${level}" is a rubric level of ResultDescription "${String(owner.id)}", not of the linked ResultDescription "${String(linked.id)}": point resultDescription at "${String(owner.id)}" or pick one of the linked description's levels.`
            : `achievedLevel "${level}" is not the id of a rubricCriterionLevel of the linked ResultDescription "${String(linked.id)}".`,
        );
      }
    } else if (typeof v.resultDescription !== 'string') {
      if (owner) warn(issues, childPath(path, 'achievedLevel'), `achievedLevel names a level of ResultDescription "${String(owner.id)}", but the result has no resultDescription: add resultDescription "${String(owner.id)}".`);
      else err(issues, childPath(path, 'achievedLevel'), `achievedLevel "${level}" is not the id of any rubricCriterionLevel in this achievement.`);
    }
  }
  if (linked && linked.resultType === 'Status' && v.status === undefined) {
    err(issues, childPath(path, 'status'), `status is required: the linked ResultDescription "${String(linked.id)}" has resultType Status. Use one of ${ENUMS.ResultStatusType.values.join(', ')}.`);
  }
}

function achievementSubject(v: unknown, path: string, issues: Issues): void {
  if (!isObject(v)) return;
  const ids = listAt(v.identifier, childPath(path, 'identifier'));
  if (!nonEmptyString(v.id) && ids.length === 0) {
    err(issues, path, 'the subject names no recipient: give id (the learner\'s DID or URL) or at least one identifier (an IdentityObject, e.g. a hashed e-mail address).');
  }
  checkDateTime(v, 'activityStartDate', path, issues);
  checkDateTime(v, 'activityEndDate', path, issues);
  if (typeof v.activityStartDate === 'string' && typeof v.activityEndDate === 'string' && !describeDateTimeProblem(v.activityStartDate) && !describeDateTimeProblem(v.activityEndDate)) {
    if (instant(v.activityEndDate) < instant(v.activityStartDate)) warn(issues, childPath(path, 'activityEndDate'), 'activityEndDate is before activityStartDate.');
  }
  for (const i of ids) identityObject(i.value, i.path, issues);
  if (v.image !== undefined) image(v.image, childPath(path, 'image'), issues);
  if (isObject(v.source)) profile(v.source, childPath(path, 'source'), issues, 0);
  const ach = isObject(v.achievement) ? v.achievement : undefined;
  achievement(ach, childPath(path, 'achievement'), issues);
  for (const r of listAt(v.result, childPath(path, 'result'))) result(r.value, r.path, ach, issues);
}

/** 1EdTech* type values used by this credential's own objects (not by embedded credentials, which carry their own @context). */
export function extensionTypesUsed(node: unknown, path: string, isRoot: boolean, out: Array<{ type: string; path: string }>): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => extensionTypesUsed(n, childPath(path, i), false, out));
    return;
  }
  if (!isObject(node)) return;
  if (!isRoot && node['@context'] !== undefined) return;
  for (const t of typesOf(node)) if (isExtensionType(t)) out.push({ type: t, path });
  for (const [k, v] of Object.entries(node)) if (k !== '@context' && typeof v === 'object') extensionTypesUsed(v, childPath(path, k), false, out);
}

function contextRules(node: JsonObject, path: string, kind: CredentialKind, embedded: boolean, issues: Issues): void {
  const ctxPath = childPath(path, '@context');
  const ctx = node['@context'];
  if (ctx === undefined) {
    if (kind !== 'profile') err(issues, ctxPath, `@context is missing: start with ["${CONTEXTS.VC_V2}", "${CONTEXTS.OB_303}"].`, 'subtree');
    return;
  }
  const list = Array.isArray(ctx) ? ctx : [ctx];
  if (kind === 'profile') {
    if (!list.some((c) => typeof c === 'string' && OB_CONTEXT_PATTERN.test(c))) {
      err(issues, ctxPath, `@context must include the OB context ${CONTEXTS.OB_303}, which defines Profile and its properties.`, 'subtree');
    }
  } else {
    if (!Array.isArray(ctx)) {
      err(issues, ctxPath, `@context must be an array whose first two entries are "${CONTEXTS.VC_V2}" and "${CONTEXTS.OB_303}".`, 'subtree');
    } else {
      const first = ctx[0];
      if (first !== CONTEXTS.VC_V2) {
        const why = first === CONTEXTS.VC_V1 ? ' This is the VC Data Model 1.1 context; OB 3.0 credentials use VC 2.0 (validFrom, not issuanceDate).' : '';
        err(issues, childPath(ctxPath, 0), `the first @context must be "${CONTEXTS.VC_V2}" (order matters).${why}`, 'node');
      }
      const second = ctx[1];
      if (typeof second !== 'string' || !OB_CONTEXT_PATTERN.test(second)) {
        const at = ctx.findIndex((c) => typeof c === 'string' && OB_CONTEXT_PATTERN.test(c));
        err(
          issues,
          childPath(ctxPath, 1),
          at >= 0
            ? `the OB context must come second, right after the VC context (it is at position ${at}). Order matters: later contexts may not redefine protected terms.`
            : `the second @context must be the OB context "${CONTEXTS.OB_303}".`,
          'node',
        );
      }
    }
  }
  const used: Array<{ type: string; path: string }> = [];
  extensionTypesUsed(node, path, true, used);
  if (used.length > 0 && !list.includes(CONTEXTS.OB_EXTENSIONS)) {
    const names = [...new Set(used.map((u) => u.type))].join(', ');
    const standalone = embedded ? ' This credential is embedded, but it was signed and is verified on its own, so its own @context needs it (the outer one does not count).' : '';
    err(
      issues,
      ctxPath,
      `${names} ${used.length > 1 ? 'are' : 'is'} used (${used.length > 1 ? 'first ' : ''}at ${used[0]?.path}) but @context lacks "${CONTEXTS.OB_EXTENSIONS}", the only context that defines the 1EdTech* types: safe-mode JSON-LD signing and verifying fail on them. Add it after the OB context.${standalone}`,
    );
  }
}

function credential(v: unknown, path: string, kind: CredentialKind, issues: Issues, embedded: boolean): void {
  if (!isObject(v)) return;
  contextRules(v, path, kind, embedded, issues);
  checkDateTime(v, 'validFrom', path, issues);
  checkDateTime(v, 'validUntil', path, issues);
  checkDateTime(v, 'awardedDate', path, issues);
  if (typeof v.validFrom === 'string' && typeof v.validUntil === 'string' && !describeDateTimeProblem(v.validFrom) && !describeDateTimeProblem(v.validUntil)) {
    if (instant(v.validUntil) <= instant(v.validFrom)) {
      err(issues, childPath(path, 'validUntil'), `validUntil (${v.validUntil}) must be after validFrom (${v.validFrom}).`);
    }
  }
  if (v.image !== undefined) image(v.image, childPath(path, 'image'), issues);
  if (isObject(v.issuer)) {
    profile(v.issuer, childPath(path, 'issuer'), issues, 0);
    if (!nonEmptyString(v.issuer.name)) warn(issues, childPath(path, 'issuer'), 'the issuer Profile has no name: Displayers must show who issued the credential. Add issuer.name.');
  } else if (typeof v.issuer === 'string') {
    warn(issues, childPath(path, 'issuer'), 'issuer is a bare URI: Displayers must show the issuer\'s name, so embed a Profile with id, type and name.');
  }
  if (isObject(v.credentialStatus) && v.credentialStatus.type === '1EdTechRevocationList') {
    warn(issues, childPath(childPath(path, 'credentialStatus'), 'type'), '1EdTechRevocationList is deprecated since OB 3.0 doc 1.3: issue a BitstringStatusListEntry instead. Verifiers still check it.');
  }
  for (const p of listAt(v.proof, childPath(path, 'proof'))) {
    if (!isObject(p.value)) continue;
    checkDateTime(p.value, 'created', p.path, issues);
    if (p.value.cryptosuite === 'eddsa-rdf-2022') {
      warn(issues, childPath(p.path, 'cryptosuite'), 'cryptosuite "eddsa-rdf-2022" is a misspelling from the spec text: the suite is "eddsa-rdfc-2022". Verifiers will not recognise this proof.');
    }
  }
  const subjectPath = childPath(path, 'credentialSubject');
  if (kind === 'achievement') achievementSubject(v.credentialSubject, subjectPath, issues);
  endorsements(v, path, issues);
}

/** Warns about empty arrays and empty strings anywhere (we never emit them; others should not either). */
function emptiness(v: unknown, path: string, issues: Issues): void {
  if (Array.isArray(v)) {
    if (v.length === 0) warn(issues, path, 'empty array: leave the property out instead (the spec omits empty 0..* properties).');
    v.forEach((x, i) => emptiness(x, childPath(path, i), issues));
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) emptiness(x, childPath(path, k), issues);
  } else if (v === '') {
    warn(issues, path, 'empty string: leave the property out instead.');
  } else if (v === null) {
    warn(issues, path, 'null value: leave the property out instead (the spec omits null values).');
  }
}

/** All rule issues for a whole document of the given kind. */
export function checkRules(doc: unknown, kind: CredentialKind): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (kind === 'profile') {
    if (isObject(doc)) {
      if (doc['@context'] !== undefined) contextRules(doc, '$', 'profile', false, issues);
      profile(doc, '$', issues, 0);
    }
  } else {
    credential(doc, '$', kind, issues, false);
  }
  emptiness(doc, '$', issues);
  return issues;
}

/** Rule issues for one object of a class, for builders that check a part before assembling. */
export function checkPart(cls: 'Achievement' | 'AchievementSubject' | 'Profile', node: unknown, path = '$'): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (cls === 'Achievement') achievement(node, path, issues);
  else if (cls === 'AchievementSubject') achievementSubject(node, path, issues);
  else profile(node, path, issues, 0);
  emptiness(node, path, issues);
  return issues;
}
