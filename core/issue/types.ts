// Shapes of batch issuance: what goes in, the progress events, and what comes out.
import type { GuessedMapping, IdentityField, RosterCheck, RosterEncoding, RosterMapping, RosterProblem } from '../import/index.ts';
import type { BatchCounts, BatchSigning, BatchState } from '../store/index.ts';
import type { IdentityMode } from './credential.ts';

export type ExportFormat = 'json' | 'jwt' | 'png' | 'svg';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'jwt', 'png', 'svg'];

export interface RosterSource {
  bytes: Uint8Array;
  /** The file name, for messages and the manifest. */
  name?: string;
  /** An encoding the user chose (required when the file is not UTF-8). */
  encoding?: string;
  /** `--map field=column` arguments, applied over the guess. */
  map?: readonly string[];
  /** Which value identifies each learner; default: the guess (DID, then email, then learner id). */
  identity?: IdentityMode;
}

/** What a roster reads as, before anything is stored: for the mapping preview and the row report. */
export interface RosterInspection {
  encoding: RosterEncoding;
  delimiter: string;
  headers: string[];
  guess: GuessedMapping;
  /** The guess with --map applied: what is used. */
  mapping: RosterMapping;
  /** Fields set explicitly with --map (the rest were guessed). */
  explicit: string[];
  identity: IdentityField;
  check: RosterCheck;
  /** Decoder warnings (double encoding, NUL characters …) as lines. */
  warnings: string[];
  rosterSha256: string;
}

export interface PrepareBatchInput {
  issuerId: string;
  roster: RosterSource;
  /** Author JSON of the Achievement, or the id of one stored in the workspace (its newest version). */
  achievement: { json: unknown } | { id: string };
  /** The export folder. */
  outDir: string;
  /** Default: json plus png (or svg when the image is an SVG). */
  formats?: readonly ExportFormat[];
  /** The badge image to bake (PNG or SVG); default: the shipped default badge. */
  image?: { bytes: Uint8Array; name?: string };
  /** Issue the good rows and skip rows with errors (default: refuse the whole roster). */
  skipBadRows?: boolean;
  /** Write identifiers in clear rather than as salted hashes. */
  plaintextIdentity?: boolean;
  /** VC-JWT with an Ed25519 key (EdDSA), which 1EdTech's validator rejects. */
  allowEdDSA?: boolean;
  validFrom?: string;
  validUntil?: string;
}

export interface BatchView {
  id: string;
  issuerId: string;
  achievement: { id: string; version: number; name: string };
  state: BatchState;
  total: number;
  counts: BatchCounts;
  formats: ExportFormat[];
  outDir: string;
  identity: IdentityMode;
  createdAt: string;
  /** Signed on another machine (core/airgap): prepared, awaiting signature, signed, imported. Null: signed here. */
  signing: BatchSigning | null;
}

export interface PreparedBatch {
  batch: BatchView;
  /** 'new': just prepared; 'resume': the same roster and options were prepared before and are not finished; 'complete': already issued. */
  status: 'new' | 'resume' | 'complete';
  inspection: RosterInspection;
  /** Rows left out (with --skip-bad-rows): their problems. */
  skipped: RosterProblem[];
  /** Whether the achievement file made a new version. */
  achievementVersionCreated: boolean;
}

export interface BatchProgress {
  batchId: string;
  /** Items finished (exported or failed) out of `total`. */
  done: number;
  total: number;
  signed: number;
  exported: number;
  failed: number;
  /** Credentials signed per second over the last few seconds of this run. */
  ratePerSec: number;
  etaSeconds: number | null;
  phase: 'export-signed' | 'signing' | 'finishing';
}

export interface RunBatchOptions {
  onProgress?: (p: BatchProgress) => void;
  signal?: AbortSignal;
  /** Worker threads that build and canonicalize (default: min(available cores, 4), at least 2). */
  workers?: number;
  /** Progress events at most this often (ms, default 100). */
  progressIntervalMs?: number;
}

export interface BatchSummary {
  batchId: string;
  state: BatchState;
  total: number;
  counts: BatchCounts;
  /** Signed in this run (not before). */
  signedThisRun: number;
  /** Already signed before this run started (a resume). */
  signedBefore: number;
  /** Files rewritten because they were missing or did not match the stored credential. */
  repairedFiles: number;
  outDir: string;
  manifest: string;
  summaryCsv: string;
  failures: Array<{ seq: number; line: number | null; error: string }>;
  elapsedMs: number;
}
