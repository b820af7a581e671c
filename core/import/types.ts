// Shapes shared by the roster reader, the column mapper and the row checker.

/** Encodings the reader names itself; any other string is the canonical name of an encoding the user chose. */
export type RosterEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | (string & {});

export interface DecodeWarning {
  /** 1-based physical line, when the warning is about a place in the file. */
  line?: number;
  message: string;
}

export interface DecodedRoster {
  text: string;
  encoding: RosterEncoding;
  warnings: DecodeWarning[];
}

export type RosterDelimiter = ',' | ';' | '\t';

/** One CSV record after the header. */
export interface RosterRecord {
  /** 1-based physical line where the record starts (what a text editor shows). */
  line: number;
  /** Last physical line of the record; differs from `line` when a quoted value holds line breaks. */
  endLine: number;
  /** 1-based row as a spreadsheet shows it: the header is row 1, blank lines count, a multi-line cell is one row. */
  row: number;
  values: string[];
  /** Quote errors papaparse reported for this record, in plain words. */
  quoteErrors?: string[];
}

export interface ParsedRoster {
  /** Header names, trimmed, BOM removed. Duplicates and empty names are kept in place (and reported). */
  headers: string[];
  headerLine: number;
  /** Spreadsheet row of the header (1 unless blank lines precede it). */
  headerRow: number;
  delimiter: RosterDelimiter;
  /** Non-blank data records in file order. */
  records: RosterRecord[];
  /** Problems found while reading (header names, quotes); checkRoster repeats them in its result. */
  problems: RosterProblem[];
  blankLines: number;
}

export const ROSTER_FIELDS = [
  'name',
  'givenName',
  'familyName',
  'email',
  'learnerId',
  'did',
  'resultValue',
  'evidenceUrl',
  'narrative',
  'creditsEarned',
  'activityStartDate',
  'activityEndDate',
] as const;

export type RosterField = (typeof ROSTER_FIELDS)[number];

/** Which roster field feeds each credential field: field → header name. */
export type RosterMapping = Partial<Record<RosterField, string>>;

export type IdentityField = 'email' | 'did' | 'learnerId';

export interface RosterProblem {
  /** 1-based physical line of the value (or of the record when no single value is at fault). */
  line: number;
  /** Spreadsheet row (header = 1). */
  row: number;
  field?: RosterField;
  column?: string;
  value?: string;
  /** Plain words, e.g. "invalid email 'bob@'". */
  reason: string;
  /** An error keeps the row out of `rows`; a warning is shown but the row is still signed. */
  severity: 'error' | 'warning';
}

/** A row that passed every check, normalised. Absent properties were empty or not mapped. */
export interface RosterRow {
  line: number;
  endLine: number;
  row: number;
  /** Display name: the full-name column, or given + family name. */
  name?: string;
  givenName?: string;
  familyName?: string;
  /** Email as written (trimmed), for display and for the credential. */
  email?: string;
  /** Lowercased (IDN domain in ASCII form) for comparison and duplicate checks only. */
  emailKey?: string;
  learnerId?: string;
  /** A DID or an https URL, used as credentialSubject.id. */
  did?: string;
  resultValue?: string;
  evidenceUrl?: string;
  narrative?: string;
  creditsEarned?: number;
  /** `YYYY-MM-DD` or an ISO 8601 date-time as written (normalised to `T` separator). */
  activityStartDate?: string;
  activityEndDate?: string;
}

export interface RosterStats {
  /** Non-blank data records read. */
  records: number;
  good: number;
  /** Records with at least one error. */
  rejected: number;
  errors: number;
  warnings: number;
  blankLines: number;
  delimiter: RosterDelimiter;
}

export interface RosterCheck {
  rows: RosterRow[];
  problems: RosterProblem[];
  stats: RosterStats;
}
