/**
 * The designer's form model (renderer/src/lib/achievement.ts) against the core's own check: a
 * stored Achievement with every author-facing field opens in the form and comes back out as the
 * same Achievement; a draft that is wrong everywhere gets each message at a form field (a path
 * the form shows, reached from a control's id), none left over in the list above the form.
 */
import { describe, expect, it } from 'vitest';
import { ACHIEVEMENT_TYPES } from '../../core/model/enums.ts';
import { checkAchievementDraft } from '../../core/design/achievement.ts';
import { emptyDraft, errorFor, fromAchievement, newAlignment, newResult, pathOfField, shownAtField, toAchievement } from '../../renderer/src/lib/achievement.ts';

const RICH = {
  id: 'https://northwind.example/achievements/db101',
  type: ['Achievement'],
  name: 'Databases 101',
  description: 'Designs a small relational schema and queries it with SQL.',
  criteria: { id: 'https://northwind.example/db101/criteria', narrative: 'Passed the **final project**.' },
  achievementType: 'ext:Workshop',
  image: { id: 'data:image/png;base64,iVBORw0KGgo=', type: 'Image', caption: 'A blue database' },
  alignment: [{ type: ['Alignment'], targetName: 'Use databases', targetUrl: 'https://esco.example/skill/db', targetCode: 'S5.6', targetFramework: 'ESCO', targetType: 'ext:ESCO', targetDescription: 'Uses database software.' }],
  resultDescription: [
    {
      id: 'urn:uuid:5b0e8c4e-0b0e-4c3e-8e7e-1d2a3b4c5d6e',
      type: ['ResultDescription'],
      name: 'Final grade',
      resultType: 'RubricCriterionLevel',
      rubricCriterionLevel: [
        { id: 'urn:uuid:5b0e8c4e-0b0e-4c3e-8e7e-1d2a3b4c5d6f', type: ['RubricCriterionLevel'], name: 'Beginning', description: 'Needs help', points: '1' },
        { id: 'urn:uuid:5b0e8c4e-0b0e-4c3e-8e7e-1d2a3b4c5d70', type: ['RubricCriterionLevel'], name: 'Proficient', points: '2' },
      ],
    },
    { id: 'urn:uuid:5b0e8c4e-0b0e-4c3e-8e7e-1d2a3b4c5d71', type: ['ResultDescription'], name: 'Score', resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '60' },
  ],
  creditsAvailable: 3,
  tag: ['sql', 'databases'],
  inLanguage: 'en-GB',
  version: '2026',
  humanCode: 'DB-101',
  fieldOfStudy: 'Computer science',
  specialization: 'Data',
};

describe('the designer form model', () => {
  it('opens a stored achievement with every field and gives back the same achievement', () => {
    const draft = fromAchievement(RICH, ACHIEVEMENT_TYPES);
    expect(draft.achievementType).toBe('ext');
    expect(draft.extType).toBe('Workshop');
    expect(draft.tags).toBe('sql, databases');
    expect(draft.results[0]!.levels.map((l) => l.name)).toEqual(['Beginning', 'Proficient']);
    const checked = checkAchievementDraft(toAchievement(draft));
    expect(checked.issues).toEqual([]);
    const back = checked.achievement!;
    for (const key of ['id', 'name', 'description', 'criteria', 'achievementType', 'image', 'creditsAvailable', 'tag', 'inLanguage', 'version', 'humanCode', 'fieldOfStudy', 'specialization'] as const) {
      expect(back[key], key).toEqual(RICH[key]);
    }
    // Results keep their ids (issued results point at them) and their levels' ids and order.
    const rds = back.resultDescription as typeof RICH.resultDescription;
    expect(rds.map((r) => r.id)).toEqual(RICH.resultDescription.map((r) => r.id));
    expect(rds[0]!.rubricCriterionLevel!.map((l) => [l.id, l.name])).toEqual(RICH.resultDescription[0]!.rubricCriterionLevel!.map((l) => [l.id, l.name]));
    expect(rds[1]).toMatchObject({ valueMin: '0', valueMax: '100', requiredValue: '60' });
    expect((back.alignment as typeof RICH.alignment)[0]).toMatchObject({ targetName: 'Use databases', targetUrl: 'https://esco.example/skill/db', targetFramework: 'ESCO', targetCode: 'S5.6' });
  });

  it('says every problem of a bad draft at a form field', () => {
    const draft = emptyDraft();
    draft.achievementType = 'ext';
    draft.extType = 'not a term!';
    draft.creditsAvailable = 'three';
    draft.inLanguage = 'english please';
    draft.alignments = [{ ...newAlignment(), targetUrl: 'not a url' }];
    const result = newResult();
    result.levels[1]!.name = '';
    draft.results = [{ ...result, name: '' }];
    const { ok, issues } = checkAchievementDraft(toAchievement(draft));
    expect(ok).toBe(false);
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.name',
        '$.description',
        '$.achievementType',
        '$.creditsAvailable',
        '$.inLanguage',
        '$.alignment[0].targetName',
        '$.alignment[0].targetUrl',
        '$.resultDescription[0].name',
        '$.resultDescription[0].rubricCriterionLevel[1].name',
      ]),
    );
    for (const i of issues) expect(shownAtField(i.path), i.path).toBe(true);
    // Each of those fields is reached from its control's id, so leaving it shows its message.
    for (const [id, path] of [
      ['a-name', '$.name'],
      ['a-ext', '$.achievementType'],
      ['a-credits', '$.creditsAvailable'],
      ['a-lang', '$.inLanguage'],
      ['al-0-url', '$.alignment[0].targetUrl'],
      ['rd-0-name', '$.resultDescription[0].name'],
      ['rd-0-level-1-name', '$.resultDescription[0].rubricCriterionLevel[1].name'],
    ] as const) {
      expect(pathOfField(id)).toBe(path);
      expect(errorFor(issues, path), path).toBeTruthy();
    }
  });
});
