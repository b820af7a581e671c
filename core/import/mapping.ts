// Header → field mapping: a guess the UI can show with its reasons, and the CLI's --map parser.
import { LaurelError } from '../util/errors.ts';
import { ROSTER_FIELDS, type IdentityField, type RosterField, type RosterMapping } from './types.ts';

/** Words for each field, as messages use them ("missing email"). */
export const FIELD_LABELS: Record<RosterField, string> = {
  name: 'name',
  givenName: 'given name',
  familyName: 'family name',
  email: 'email',
  learnerId: 'learner id',
  did: 'DID',
  resultValue: 'result',
  evidenceUrl: 'evidence URL',
  narrative: 'narrative',
  creditsEarned: 'credits earned',
  activityStartDate: 'activity start date',
  activityEndDate: 'activity end date',
};

export type MappingConfidence = 'high' | 'medium' | 'low';

export interface MappingGuess {
  field: RosterField;
  column: string;
  columnIndex: number;
  confidence: MappingConfidence;
  /** Why this column was chosen, for the UI. */
  why: string;
}

export interface GuessedMapping {
  mapping: RosterMapping;
  guesses: MappingGuess[];
  /** Columns no field was given to. */
  unmapped: string[];
  /** The identity the mapped columns support best: did, then email, then learnerId. */
  suggestedIdentity?: IdentityField;
  /** Things the guess skipped on purpose (e.g. a column name used twice). */
  notes: string[];
}

/** Case-, accent-, space- and punctuation-insensitive form of a heading: "E-Mail" → "email", "Prénom" → "prenom". */
export function normalizeHeader(h: string): string {
  return h
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

interface Synonyms {
  /** Whole-heading matches, high confidence. */
  exact: string[];
  /** Whole-heading matches that are plausible but not sure. */
  medium?: string[];
  /** Whole-heading matches that often mean something else (a login name). */
  low?: string[];
  /** Substrings of the normalised heading ("Email address (primary)"). */
  contains?: string[];
  /** Whole words of the heading ("Learner DID"). */
  tokens?: string[];
}

// Normalised forms. English first, then LMS exports (Moodle, Canvas, Brightspace, Blackboard),
// German, French, Spanish, Dutch, Italian.
const SYNONYMS: Record<RosterField, Synonyms> = {
  email: {
    exact: ['email', 'emailaddress', 'mail', 'mailaddress', 'emailadresse', 'mailadresse', 'emailadress', 'adresseemail',
      'adressemail', 'adressecourriel', 'courriel', 'correo', 'correoelectronico', 'studentemail', 'learneremail', 'useremail',
      'primaryemail', 'contactemail', 'participantemail', 'teilnehmeremail', 'emailid', 'externalemail'],
    contains: ['email', 'courriel', 'emailadresse'],
    tokens: ['email', 'mail'],
  },
  givenName: {
    exact: ['givenname', 'firstname', 'first', 'forename', 'fname', 'vorname', 'prenom', 'voornaam', 'studentfirstname',
      'userfirstname', 'learnerfirstname', 'legalfirstname', 'preferredfirstname', 'rufname'],
    contains: ['firstname', 'givenname', 'vorname', 'prenom', 'forename'],
  },
  familyName: {
    exact: ['familyname', 'lastname', 'last', 'surname', 'lname', 'nachname', 'familienname', 'nomdefamille', 'apellido',
      'apellidos', 'achternaam', 'cognome', 'sobrenome', 'studentlastname', 'userlastname', 'learnerlastname', 'legallastname'],
    contains: ['lastname', 'familyname', 'surname', 'nachname', 'familienname', 'nomdefamille', 'apellido'],
  },
  name: {
    exact: ['name', 'fullname', 'displayname', 'studentname', 'learnername', 'participantname', 'learner', 'student',
      'participant', 'recipient', 'recipientname', 'attendee', 'attendeename', 'trainee', 'nomcomplet', 'nomprenom',
      'vollstandigername', 'vollername', 'teilnehmer', 'teilnehmerin', 'teilnehmername', 'nombrecompleto', 'naam',
      'volledigenaam', 'nomecompleto', 'person'],
    medium: ['nom', 'nombre', 'nome'],
    contains: ['fullname', 'displayname', 'studentname', 'learnername', 'participantname', 'nomcomplet', 'teilnehmername'],
  },
  learnerId: {
    exact: ['learnerid', 'studentid', 'studentnumber', 'userid', 'sisid', 'sisuserid', 'idnumber', 'matrikelnummer', 'matrikelnr',
      'matrnr', 'studentennummer', 'personalnummer', 'mitarbeiternummer', 'employeeid', 'employeenumber', 'numeroetudiant',
      'numetudiant', 'identifiant', 'candidateid', 'candidatenumber', 'membershipnumber', 'memberid', 'externalid', 'personid',
      'orgdefinedid', 'sourcedid', 'sissourcedid', 'studentno', 'learnernumber', 'participantid'],
    medium: ['id', 'uid', 'number', 'nummer'],
    low: ['username', 'login', 'loginid', 'sisloginid', 'benutzername', 'benutzerkennung', 'identifiantdeconnexion'],
    contains: ['studentid', 'learnerid', 'userid', 'sisid', 'studentnumber', 'matrikel', 'idnumber', 'employeeid', 'personalnummer'],
  },
  did: {
    exact: ['did', 'subjectid', 'recipientid', 'recipientdid', 'learnerdid', 'studentdid', 'walletdid', 'walletid', 'holderid',
      'holderdid', 'subjectdid', 'credentialsubjectid'],
    tokens: ['did'],
  },
  resultValue: {
    exact: ['score', 'grade', 'result', 'mark', 'marks', 'points', 'finalgrade', 'finalscore', 'total', 'note', 'ergebnis', 'punkte',
      'punktzahl', 'bewertung', 'resultat', 'resultado', 'calificacion', 'nota', 'percent', 'percentage',
      'coursegrade', 'coursetotal'],
    // Canvas exports both; "Final Score" is the one to sign, so "Current Score" ranks lower.
    medium: ['currentscore', 'unpostedfinalscore'],
    contains: ['coursetotal', 'finalgrade', 'finalscore', 'currentscore'],
    tokens: ['score', 'grade', 'result', 'points', 'mark'],
  },
  evidenceUrl: {
    exact: ['evidence', 'evidenceurl', 'evidencelink', 'portfolio', 'portfoliourl', 'portfoliolink', 'url', 'link', 'nachweis',
      'nachweisurl', 'nachweislink', 'preuve', 'lienpreuve', 'artifact', 'artifacturl', 'projecturl', 'projectlink', 'worksample'],
    contains: ['evidence', 'portfolio', 'nachweis'],
    tokens: ['url'],
  },
  narrative: {
    exact: ['narrative', 'comment', 'comments', 'notes', 'feedback', 'remarks', 'bemerkung', 'bemerkungen', 'kommentar',
      'anmerkung', 'anmerkungen', 'commentaire', 'commentaires', 'observations', 'comentario', 'comentarios'],
    contains: ['narrative', 'feedback'],
    tokens: ['comment', 'comments', 'notes'],
  },
  creditsEarned: {
    exact: ['credits', 'creditsearned', 'credit', 'ects', 'ectspoints', 'ectscredits', 'cpd', 'cpdpoints', 'cpdhours', 'ceu',
      'ceus', 'credithours', 'creditpoints', 'leistungspunkte', 'lp', 'creditos', 'creditsects'],
    low: ['hours', 'stunden', 'heures'],
    contains: ['credits', 'leistungspunkte'],
    tokens: ['credits', 'ects', 'cpd', 'ceu', 'ceus'],
  },
  activityStartDate: {
    exact: ['startdate', 'start', 'started', 'startedon', 'begin', 'beginn', 'begindate', 'startdatum', 'beginndatum', 'datedebut',
      'debut', 'datededebut', 'enrolled', 'enrolleddate', 'enrollmentdate', 'enrolmentdate', 'coursestart', 'coursestartdate',
      'activitystartdate', 'from', 'fechainicio', 'fechadeinicio', 'datumvon', 'von', 'timestarted'],
    contains: ['startdate', 'startdatum', 'datedebut', 'enrollmentdate', 'enrolmentdate'],
    tokens: ['start', 'begin', 'beginn'],
  },
  activityEndDate: {
    exact: ['enddate', 'end', 'ended', 'completiondate', 'completed', 'completedon', 'completedat', 'dateofcompletion',
      'datecompleted', 'finishdate', 'finished', 'finishedon', 'ende', 'enddatum', 'abschlussdatum', 'abgeschlossenam',
      'datefin', 'datedefin', 'fin', 'fechafin', 'fechadefin', 'activityenddate', 'to', 'bis', 'datumbis', 'coursecompleted',
      'coursecompletiondate', 'passedon', 'timecompleted', 'datedobtention'],
    contains: ['enddate', 'completiondate', 'enddatum', 'abschlussdatum', 'datefin', 'datecompleted'],
    tokens: ['end', 'completion', 'completed', 'finished'],
  },
};

// A bare "Name"/"Nom" next to a given-name column is the family name in German and French forms
// ("Name, Vorname"; "Nom, Prénom"); "Nombre"/"Nome" next to a family-name column is the given name.
const GENERIC_NAME = new Set(['name', 'nom', 'nombre', 'nome', 'naam']);
const GIVEN_FIRST_GENERIC = new Set(['nombre', 'nome']);

interface Candidate {
  field: RosterField;
  index: number;
  score: number;
  confidence: MappingConfidence;
  why: string;
}

export function guessMapping(headers: readonly string[]): GuessedMapping {
  const notes: string[] = [];
  const norm = headers.map(normalizeHeader);
  const counts = new Map<string, number>();
  for (const h of headers) if (h.trim()) counts.set(h.trim().toLowerCase(), (counts.get(h.trim().toLowerCase()) ?? 0) + 1);

  const candidates: Candidate[] = [];
  headers.forEach((header, index) => {
    const n = norm[index]!;
    if (!n) return;
    if ((counts.get(header.trim().toLowerCase()) ?? 0) > 1) {
      if (!notes.some((x) => x.includes(`'${header}'`))) notes.push(`column '${header}' appears more than once; it was not guessed`);
      return;
    }
    const tokens = header
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .split(/[^\p{L}\p{N}]+/u)
      .map(normalizeHeader)
      .filter(Boolean);
    let exactHit = false;
    const here: Candidate[] = [];
    for (const field of ROSTER_FIELDS) {
      const syn = SYNONYMS[field];
      const label = FIELD_LABELS[field];
      if (header.trim().toLowerCase() === field.toLowerCase()) {
        here.push({ field, index, score: 1.01, confidence: 'high', why: `'${header}' is the field's own name` });
        exactHit = true;
      } else if (syn.exact.includes(n)) {
        here.push({ field, index, score: 1, confidence: 'high', why: `'${header}' is a usual heading for the ${label}` });
        exactHit = true;
      } else if (syn.medium?.includes(n)) {
        here.push({ field, index, score: 0.7, confidence: 'medium', why: `'${header}' often holds the ${label}` });
        exactHit = true;
      } else if (syn.low?.includes(n)) {
        here.push({ field, index, score: 0.4, confidence: 'low', why: `'${header}' may hold the ${label} (or a login name); check it` });
        exactHit = true;
      }
    }
    if (!exactHit) {
      for (const field of ROSTER_FIELDS) {
        const syn = SYNONYMS[field];
        const label = FIELD_LABELS[field];
        const sub = syn.contains?.filter((s) => n.includes(s)).sort((a, b) => b.length - a.length)[0];
        if (sub) {
          here.push({ field, index, score: 0.6 + Math.min(sub.length, 15) / 100, confidence: 'medium', why: `'${header}' contains '${sub}', so it probably holds the ${label}` });
          continue;
        }
        const word = syn.tokens?.find((t) => tokens.includes(t));
        if (word) {
          here.push({ field, index, score: 0.55, confidence: 'medium', why: `'${header}' has the word '${word}', so it probably holds the ${label}` });
        }
      }
    }
    candidates.push(...here);
  });

  // Greedy: best score first; ties go to the earlier column, then to the field order.
  candidates.sort((a, b) => b.score - a.score || a.index - b.index || ROSTER_FIELDS.indexOf(a.field) - ROSTER_FIELDS.indexOf(b.field));
  const byField = new Map<RosterField, Candidate>();
  const usedColumns = new Set<number>();
  for (const c of candidates) {
    if (byField.has(c.field) || usedColumns.has(c.index)) continue;
    byField.set(c.field, c);
    usedColumns.add(c.index);
  }

  const generic = byField.get('name');
  if (generic && GENERIC_NAME.has(norm[generic.index]!)) {
    const given = byField.get('givenName');
    const family = byField.get('familyName');
    const h = headers[generic.index]!;
    if (given && !family) {
      byField.delete('name');
      byField.set('familyName', {
        ...generic,
        field: 'familyName',
        confidence: 'medium',
        why: `'${h}' next to '${headers[given.index]}' usually holds the family name (as in "Name, Vorname" or "Nom, Prénom" forms)`,
      });
    } else if (family && !given && GIVEN_FIRST_GENERIC.has(norm[generic.index]!)) {
      byField.delete('name');
      byField.set('givenName', {
        ...generic,
        field: 'givenName',
        confidence: 'medium',
        why: `'${h}' next to '${headers[family.index]}' usually holds the given name`,
      });
    }
  }

  const guesses: MappingGuess[] = ROSTER_FIELDS.flatMap((field) => {
    const c = byField.get(field);
    return c ? [{ field, column: headers[c.index]!, columnIndex: c.index, confidence: c.confidence, why: c.why }] : [];
  });
  const mapping: RosterMapping = {};
  for (const g of guesses) mapping[g.field] = g.column;
  const mappedIdx = new Set(guesses.map((g) => g.columnIndex));
  const unmapped = headers.filter((h, i) => h.trim() !== '' && !mappedIdx.has(i));
  const suggestedIdentity: IdentityField | undefined = mapping.did ? 'did' : mapping.email ? 'email' : mapping.learnerId ? 'learnerId' : undefined;
  const result: GuessedMapping = { mapping, guesses, unmapped, notes };
  if (suggestedIdentity) result.suggestedIdentity = suggestedIdentity;
  return result;
}

// ---------- --map <field>=<column> ----------

/** Explicit choices: a column name, or null to leave a field unmapped (`--map did=`). */
export type MappingOverrides = Partial<Record<RosterField, string | null>>;

const FIELD_BY_NORM = new Map<string, RosterField>(ROSTER_FIELDS.map((f) => [normalizeHeader(f), f]));

/** Resolves a field name as typed: exact, or ignoring case and punctuation ("given_name"). */
export function resolveField(typed: string): RosterField | undefined {
  return FIELD_BY_NORM.get(normalizeHeader(typed));
}

/**
 * Parses the CLI's `--map <field>=<column>` arguments against the file's header. Every bad
 * argument is reported at once, with the list of fields or columns and a suggestion.
 */
export function parseMappingArgs(args: readonly string[], headers: readonly string[]): MappingOverrides {
  const out: MappingOverrides = {};
  const errors: string[] = [];
  const trimmed = headers.map((h) => h.trim());
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      errors.push(`--map ${arg}: expected <field>=<column>, e.g. --map email="E-Mail"`);
      continue;
    }
    const typedField = arg.slice(0, eq).trim();
    const typedColumn = arg.slice(eq + 1).trim();
    const field = resolveField(typedField);
    if (!field) {
      const fromSynonym = guessMapping([typedField]).guesses[0]?.field;
      errors.push(
        `--map ${arg}: unknown field '${typedField}'${fromSynonym ? ` (did you mean '${fromSynonym}'?)` : ''}; ` +
          `fields are: ${ROSTER_FIELDS.join(', ')}`,
      );
      continue;
    }
    if (field in out) {
      errors.push(`--map ${arg}: field '${field}' is mapped more than once`);
      continue;
    }
    if (typedColumn === '') {
      out[field] = null;
      continue;
    }
    const column = resolveColumn(typedColumn, trimmed);
    if (column.ok) out[field] = column.name;
    else errors.push(`--map ${arg}: ${column.reason}`);
  }
  if (errors.length > 0) {
    throw new LaurelError('INVALID_INPUT', errors.join('\n'), { details: { errors } });
  }
  return out;
}

function resolveColumn(typed: string, headers: string[]): { ok: true; name: string } | { ok: false; reason: string } {
  const exact = headers.filter((h) => h === typed);
  if (exact.length > 1) return { ok: false, reason: `column '${typed}' appears ${exact.length} times in the header; rename one in the file` };
  if (exact.length === 1) return { ok: true, name: exact[0]! };
  // Forgive case, spaces and punctuation when that picks exactly one column.
  for (const same of [(h: string) => h.toLowerCase() === typed.toLowerCase(), (h: string) => normalizeHeader(h) === normalizeHeader(typed)]) {
    const hits = headers.filter(same);
    if (hits.length === 1) return { ok: true, name: hits[0]! };
    if (hits.length > 1) {
      return { ok: false, reason: `column '${typed}' could be ${hits.map((h) => `'${h}'`).join(' or ')}; write it exactly` };
    }
  }
  const list = headers.filter((h) => h !== '').map((h) => `'${h}'`).join(', ');
  return { ok: false, reason: `no column '${typed}' in the file; columns are: ${list}` };
}

/**
 * Applies explicit choices on top of a guess. A column claimed explicitly is taken away from any
 * field the guess had given it to, and a null override removes the field.
 */
export function mergeMapping(base: RosterMapping, overrides: MappingOverrides): RosterMapping {
  const claimed = new Set(Object.values(overrides).filter((c): c is string => typeof c === 'string'));
  const out: RosterMapping = {};
  for (const f of ROSTER_FIELDS) {
    const b = base[f];
    if (b !== undefined && !claimed.has(b)) out[f] = b;
  }
  for (const f of ROSTER_FIELDS) {
    if (!(f in overrides)) continue;
    const o = overrides[f];
    if (o === null || o === undefined) delete out[f];
    else out[f] = o;
  }
  return out;
}
