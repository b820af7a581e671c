// Framework items → OB 3.0 Alignments, and a "single skill" achievement (achievementType
// Competency) made from one item. The builders of core/model check what comes out.
import { randomUUID } from 'node:crypto';
import { buildAchievement, isAlignmentTargetType, type AchievementInput, type AlignmentInput } from '../model/index.ts';
import { LaurelError } from '../util/errors.ts';
import type { Framework, FrameworkItem } from './tree.ts';

/** CTDL (Credential Engine) competencies are aligned as ceasn:Competency; CASE items as CFItem. */
export function targetTypeFor(framework: Pick<Framework, 'extra' | 'uri'>, item: Pick<FrameworkItem, 'uri'>): string {
  const chosen = framework.extra.targetType;
  if (typeof chosen === 'string' && chosen) return chosen;
  if (/^https:\/\/(sandbox\.)?credentialengineregistry\.org\//.test(item.uri) || /^ce-[0-9a-f-]{36}$/.test(item.uri.split('/').pop() ?? '')) return 'ceasn:Competency';
  return 'CFItem';
}

/** The Alignment that points at a framework item (its uri is the targetUrl). */
export function alignmentFor(framework: Framework, item: FrameworkItem): AlignmentInput {
  const targetType = targetTypeFor(framework, item);
  if (!isAlignmentTargetType(targetType)) throw new LaurelError('INVALID_INPUT', `"${targetType}" is not an alignment target type (CFItem, ceasn:Competency, CTDL, … or ext:Name).`);
  const a: AlignmentInput = { type: ['Alignment'], targetName: item.statement.slice(0, 500), targetUrl: item.uri };
  if (item.code) a.targetCode = item.code;
  if (item.description) a.targetDescription = item.description;
  a.targetFramework = framework.title;
  a.targetType = targetType as AlignmentInput['targetType'];
  return a;
}

export function findItem(framework: Framework, itemId: string): FrameworkItem {
  const item = framework.items.find((i) => i.id === itemId || i.uri === itemId || (i.code !== null && i.code === itemId));
  if (!item) throw new LaurelError('NOT_FOUND', `The framework "${framework.title}" has no item ${itemId}.`);
  return item;
}

export interface CompetencyOptions {
  /** Achievement id; default a new urn:uuid. */
  id?: string;
  criteria?: string;
  creator?: Record<string, unknown>;
}

/** A single-skill achievement (achievementType Competency) aligned to the item. */
export function competencyAchievement(framework: Framework, item: FrameworkItem, options: CompetencyOptions = {}): Record<string, unknown> {
  const name = item.statement.length > 200 ? `${item.statement.slice(0, 197)}…` : item.statement;
  const input: AchievementInput = {
    id: options.id ?? `urn:uuid:${randomUUID()}`,
    name,
    description: item.description ?? item.statement,
    criteria: { narrative: options.criteria ?? `Demonstrates the competency "${item.statement}"${item.code ? ` (${item.code})` : ''} of ${framework.title}.` },
    achievementType: 'Competency',
    alignment: [alignmentFor(framework, item)],
  } as AchievementInput;
  if (item.code) (input as { humanCode?: string }).humanCode = item.code;
  const lang = item.language ?? framework.language;
  if (lang) (input as { inLanguage?: string }).inLanguage = lang;
  if (options.creator) (input as { creator?: unknown }).creator = options.creator;
  return buildAchievement(input) as unknown as Record<string, unknown>;
}
