// The designer's form state and the Achievement JSON it stands for. The form keeps every field as
// text (what inputs hold); toAchievement turns it into author JSON for the core, which checks it
// and says what is wrong at which JSON path; errorFor maps those paths back to fields.
// Plain TypeScript (no component, no window.studio), so it can be checked and tested on its own.
import type { DesignIssue } from '../../../core/design/achievement.ts';

export interface RubricLevel {
  /** urn:uuid:…, made when the level is added; results point at it, so it never changes. */
  id: string;
  name: string;
  description: string;
  points: string;
}

export function newLevel(name = ''): RubricLevel {
  return { id: `urn:uuid:${crypto.randomUUID()}`, name, description: '', points: '' };
}

export interface AlignmentRow {
  key: string;
  targetName: string;
  targetUrl: string;
  targetCode: string;
  targetFramework: string;
  targetType: string;
  targetDescription: string;
}

export interface ResultRow {
  key: string;
  /** Kept from a saved achievement: results in issued credentials point at it. */
  id: string;
  name: string;
  resultType: string;
  valueMin: string;
  valueMax: string;
  requiredValue: string;
  levels: RubricLevel[];
}

export interface Draft {
  id: string;
  name: string;
  description: string;
  /** An official AchievementType, 'ext' for an extension value, or '' for none. */
  achievementType: string;
  extType: string;
  criteria: string;
  criteriaUrl: string;
  image: { id: string; caption: string } | null;
  alignments: AlignmentRow[];
  results: ResultRow[];
  creditsAvailable: string;
  tags: string;
  inLanguage: string;
  version: string;
  humanCode: string;
  fieldOfStudy: string;
  specialization: string;
}

const key = () => crypto.randomUUID();

export function emptyDraft(): Draft {
  return {
    id: '',
    name: '',
    description: '',
    achievementType: '',
    extType: '',
    criteria: '',
    criteriaUrl: '',
    image: null,
    alignments: [],
    results: [],
    creditsAvailable: '',
    tags: '',
    inLanguage: '',
    version: '',
    humanCode: '',
    fieldOfStudy: '',
    specialization: '',
  };
}

export function newAlignment(): AlignmentRow {
  return { key: key(), targetName: '', targetUrl: '', targetCode: '', targetFramework: '', targetType: '', targetDescription: '' };
}

export function newResult(): ResultRow {
  return { key: key(), id: '', name: '', resultType: 'RubricCriterionLevel', valueMin: '', valueMax: '', requiredValue: '', levels: [newLevel('Beginning'), newLevel('Proficient'), newLevel('Exemplary')] };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The form for a stored Achievement. */
export function fromAchievement(a: Record<string, unknown>, officialTypes: readonly string[]): Draft {
  const type = str(a.achievementType);
  const image = typeof a.image === 'string' ? { id: a.image, caption: '' } : a.image ? { id: str(obj(a.image).id), caption: str(obj(a.image).caption) } : null;
  return {
    id: str(a.id),
    name: str(a.name),
    description: str(a.description),
    achievementType: type === '' ? '' : officialTypes.includes(type) ? type : 'ext',
    extType: type.startsWith('ext:') ? type.slice(4) : '',
    criteria: str(obj(a.criteria).narrative),
    criteriaUrl: str(obj(a.criteria).id),
    image: image && image.id ? image : null,
    alignments: list(a.alignment).map((x) => {
      const o = obj(x);
      return { key: key(), targetName: str(o.targetName), targetUrl: str(o.targetUrl), targetCode: str(o.targetCode), targetFramework: str(o.targetFramework), targetType: str(o.targetType), targetDescription: str(o.targetDescription) };
    }),
    results: list(a.resultDescription).map((x) => {
      const o = obj(x);
      return {
        key: key(),
        id: str(o.id),
        name: str(o.name),
        resultType: str(o.resultType) || 'Result',
        valueMin: str(o.valueMin),
        valueMax: str(o.valueMax),
        requiredValue: str(o.requiredValue),
        levels: list(o.rubricCriterionLevel).map((l) => {
          const lv = obj(l);
          return { id: str(lv.id) || newLevel().id, name: str(lv.name), description: str(lv.description), points: str(lv.points) };
        }),
      };
    }),
    creditsAvailable: str(a.creditsAvailable),
    tags: list(a.tag).map(str).join(', '),
    inLanguage: str(a.inLanguage),
    version: str(a.version),
    humanCode: str(a.humanCode),
    fieldOfStudy: str(a.fieldOfStudy),
    specialization: str(a.specialization),
  };
}

/** Author JSON for the core (empty fields are left for the core to drop). */
export function toAchievement(d: Draft): Record<string, unknown> {
  const credits = d.creditsAvailable.trim();
  const out: Record<string, unknown> = {
    type: ['Achievement'],
    name: d.name,
    description: d.description,
    criteria: { narrative: d.criteria, id: d.criteriaUrl.trim() },
    achievementType: d.achievementType === 'ext' ? (d.extType.trim() ? `ext:${d.extType.trim().replace(/^ext:/, '')}` : 'ext:') : d.achievementType,
    alignment: d.alignments.map((a) => ({ targetName: a.targetName, targetUrl: a.targetUrl.trim(), targetCode: a.targetCode, targetFramework: a.targetFramework, targetType: a.targetType, targetDescription: a.targetDescription })),
    resultDescription: d.results.map((r) => ({
      ...(r.id ? { id: r.id } : {}),
      name: r.name,
      resultType: r.resultType,
      ...(r.resultType === 'RubricCriterionLevel' ? { rubricCriterionLevel: r.levels.map((l) => ({ id: l.id, name: l.name, description: l.description, points: l.points })) } : { valueMin: r.valueMin, valueMax: r.valueMax }),
      requiredValue: r.requiredValue,
    })),
    // A number the model can check; text that is not one is sent as is, so the message says why.
    creditsAvailable: credits === '' ? '' : Number.isFinite(Number(credits)) ? Number(credits) : credits,
    tag: d.tags.split(',').map((t) => t.trim()),
    inLanguage: d.inLanguage.trim(),
    version: d.version,
    humanCode: d.humanCode,
    fieldOfStudy: d.fieldOfStudy,
    specialization: d.specialization,
  };
  if (d.id) out.id = d.id;
  if (d.image?.id) out.image = { id: d.image.id, type: 'Image', ...(d.image.caption.trim() ? { caption: d.image.caption.trim() } : {}) };
  return out;
}

/** The first message at `path`, or under it when `under` (criteria, image: one field for a small object). */
export function errorFor(issues: readonly DesignIssue[], path: string, under = false): string | undefined {
  return issues.find((i) => i.path === path || (under && (i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`))))?.message;
}

/**
 * The JSON path a form control edits, from its id (a-lang → $.inLanguage, al-0-url →
 * $.alignment[0].targetUrl, rd-1-level-2-name → $.resultDescription[1].rubricCriterionLevel[2].name).
 */
export function pathOfField(id: string): string | undefined {
  const simple: Record<string, string> = {
    'a-name': '$.name',
    'a-description': '$.description',
    'a-type': '$.achievementType',
    'a-ext': '$.achievementType',
    'a-criteria': '$.criteria',
    'a-criteria-url': '$.criteria',
    'a-credits': '$.creditsAvailable',
    'a-lang': '$.inLanguage',
    'a-tags': '$.tag',
  };
  if (simple[id]) return simple[id];
  const al = /^al-(\d+)-(name|url|type)$/.exec(id);
  if (al) return `$.alignment[${al[1]}].${al[2] === 'name' ? 'targetName' : al[2] === 'url' ? 'targetUrl' : 'targetType'}`;
  const level = /^rd-(\d+)-level-(\d+)-name$/.exec(id);
  if (level) return `$.resultDescription[${level[1]}].rubricCriterionLevel[${level[2]}].name`;
  const rd = /^rd-(\d+)-name$/.exec(id);
  if (rd) return `$.resultDescription[${rd[1]}].name`;
  return undefined;
}

/** Paths the form shows at a field; the rest are listed above the form. */
export function shownAtField(path: string): boolean {
  return /^\$\.(name|description|criteria|achievementType|image|creditsAvailable|tag|inLanguage|version|humanCode|fieldOfStudy|specialization)(\b|$)/.test(path) || /^\$\.(alignment|resultDescription)\[\d+\]\./.test(path);
}
