import { describe, expect, it } from 'vitest';
import { guessMapping, mergeMapping, parseMappingArgs, type RosterField } from '../../core/import/index.ts';
import { LaurelError } from '../../core/util/errors.ts';

describe('guessMapping', () => {
  it('knows the usual single headings', () => {
    const cases: Array<[string, RosterField]> = [
      ['E-mail', 'email'],
      ['Email Address', 'email'],
      ['Mail', 'email'],
      ['Courriel', 'email'],
      ['First name', 'givenName'],
      ['Given name', 'givenName'],
      ['Vorname', 'givenName'],
      ['Prénom', 'givenName'],
      ['Nachname', 'familyName'],
      ['Surname', 'familyName'],
      ['Last name', 'familyName'],
      ['Full name', 'name'],
      ['Learner', 'name'],
      ['Student ID', 'learnerId'],
      ['User ID', 'learnerId'],
      ['SIS ID', 'learnerId'],
      ['Matrikelnummer', 'learnerId'],
      ['DID', 'did'],
      ['Learner DID', 'did'],
      ['Score', 'resultValue'],
      ['Grade', 'resultValue'],
      ['Credits', 'creditsEarned'],
      ['ECTS', 'creditsEarned'],
      ['Start date', 'activityStartDate'],
      ['Completion date', 'activityEndDate'],
      ['Evidence', 'evidenceUrl'],
      ['Portfolio URL', 'evidenceUrl'],
      ['Comments', 'narrative'],
    ];
    for (const [heading, field] of cases) {
      const g = guessMapping([heading]);
      expect(g.mapping, heading).toEqual({ [field]: heading });
      expect(g.guesses[0]!.why).toContain(heading);
    }
  });

  it('maps an English roster with confidence and reasons', () => {
    const headers = ['Full name', 'Email Address', 'Student ID', 'Score', 'Credits', 'Start date', 'Completion date', 'Portfolio URL', 'Comments', 'Shoe size'];
    const g = guessMapping(headers);
    expect(g.mapping).toEqual({
      name: 'Full name',
      email: 'Email Address',
      learnerId: 'Student ID',
      resultValue: 'Score',
      creditsEarned: 'Credits',
      activityStartDate: 'Start date',
      activityEndDate: 'Completion date',
      evidenceUrl: 'Portfolio URL',
      narrative: 'Comments',
    });
    expect(g.unmapped).toEqual(['Shoe size']);
    expect(g.guesses.every((x) => x.confidence === 'high')).toBe(true);
    expect(g.suggestedIdentity).toBe('email');
  });

  it('reads a German "Name, Vorname" form: Name is the family name', () => {
    const g = guessMapping(['Name', 'Vorname', 'E-Mail-Adresse', 'Matrikelnummer', 'Note', 'Leistungspunkte', 'Startdatum', 'Abschlussdatum', 'Bemerkung']);
    expect(g.mapping).toEqual({
      familyName: 'Name',
      givenName: 'Vorname',
      email: 'E-Mail-Adresse',
      learnerId: 'Matrikelnummer',
      resultValue: 'Note',
      creditsEarned: 'Leistungspunkte',
      activityStartDate: 'Startdatum',
      activityEndDate: 'Abschlussdatum',
      narrative: 'Bemerkung',
    });
    const family = g.guesses.find((x) => x.field === 'familyName')!;
    expect(family.confidence).toBe('medium');
    expect(family.why).toMatch(/next to 'Vorname' usually holds the family name/);
  });

  it('reads a French form: Nom / Prénom / Courriel / dates', () => {
    const g = guessMapping(['Nom', 'Prénom', 'Adresse e-mail', 'Date de début', 'Date de fin', 'Commentaire']);
    expect(g.mapping).toEqual({
      familyName: 'Nom',
      givenName: 'Prénom',
      email: 'Adresse e-mail',
      activityStartDate: 'Date de début',
      activityEndDate: 'Date de fin',
      narrative: 'Commentaire',
    });
  });

  it('treats a lone "Nom" as a full name, with medium confidence', () => {
    const g = guessMapping(['Nom', 'Courriel']);
    expect(g.mapping).toEqual({ name: 'Nom', email: 'Courriel' });
    expect(g.guesses[0]!.confidence).toBe('medium');
  });

  it('maps a Moodle grade export', () => {
    const g = guessMapping(['First name', 'Last name', 'ID number', 'Institution', 'Department', 'Email address', 'Assignment: Final project (Real)', 'Course total (Real)', 'Last downloaded from this course']);
    expect(g.mapping).toEqual({
      givenName: 'First name',
      familyName: 'Last name',
      learnerId: 'ID number',
      email: 'Email address',
      resultValue: 'Course total (Real)',
    });
    expect(g.guesses.find((x) => x.field === 'resultValue')!.confidence).toBe('medium');
  });

  it('maps a Canvas gradebook export (SIS User ID over the Canvas ID, Final Score over Current Score)', () => {
    const g = guessMapping(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'Current Score', 'Final Score']);
    expect(g.mapping).toMatchObject({ name: 'Student', learnerId: 'SIS User ID', resultValue: 'Final Score' });
    expect(g.unmapped).toEqual(expect.arrayContaining(['ID', 'SIS Login ID', 'Section', 'Current Score']));
    expect(g.suggestedIdentity).toBe('learnerId');
  });

  it('prefers a DID column as the identity and does not guess duplicated columns', () => {
    const g = guessMapping(['Name', 'Email', 'Wallet DID', 'Email']);
    expect(g.mapping).toEqual({ name: 'Name', did: 'Wallet DID' });
    expect(g.suggestedIdentity).toBe('did');
    expect(g.notes[0]).toMatch(/'Email' appears more than once/);
  });

  it('marks a login name as a low-confidence learner id', () => {
    const g = guessMapping(['Username', 'Email']);
    expect(g.guesses.find((x) => x.field === 'learnerId')).toMatchObject({ column: 'Username', confidence: 'low' });
  });
});

describe('parseMappingArgs (--map <field>=<column>)', () => {
  const headers = ['Nachname', 'Vorname', 'E-Mail', 'Kurs ID', 'Email'];

  it('parses field=column, forgiving field spelling and column case when unambiguous', () => {
    expect(parseMappingArgs(['familyName=Nachname', 'given_name=vorname', 'learnerId=kurs id', 'did='], headers)).toEqual({
      familyName: 'Nachname',
      givenName: 'Vorname',
      learnerId: 'Kurs ID',
      did: null,
    });
  });

  it('reports every bad argument at once, with lists and suggestions', () => {
    try {
      parseMappingArgs(['mail=E-Mail', 'email=Emial', 'nonsense', 'name=Nachname', 'name=Vorname'], headers);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LaurelError);
      const err = e as LaurelError;
      expect(err.code).toBe('INVALID_INPUT');
      const lines = err.message.split('\n');
      expect(lines[0]).toMatch(/unknown field 'mail' \(did you mean 'email'\?\); fields are: name, givenName, familyName, email/);
      expect(lines[1]).toMatch(/no column 'Emial' in the file; columns are: 'Nachname', 'Vorname', 'E-Mail', 'Kurs ID', 'Email'/);
      expect(lines[2]).toMatch(/--map nonsense: expected <field>=<column>/);
      expect(lines[3]).toMatch(/field 'name' is mapped more than once/);
      expect(lines).toHaveLength(4);
    }
  });

  it('refuses a column name that only matches loosely in two ways', () => {
    expect(() => parseMappingArgs(['email=e mail'], headers)).toThrow(/could be 'E-Mail' or 'Email'; write it exactly/);
    expect(parseMappingArgs(['email=E-Mail'], headers)).toEqual({ email: 'E-Mail' });
  });

  it('merges over a guess: explicit wins, a claimed column leaves its guessed field, null unmaps', () => {
    const guessed = { name: 'Learner', email: 'Email', did: 'DID' };
    expect(mergeMapping(guessed, { learnerId: 'Learner', did: null })).toEqual({ email: 'Email', learnerId: 'Learner' });
  });
});
