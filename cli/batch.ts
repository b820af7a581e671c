// `laurel issue --roster …` (a whole class from a CSV), `laurel bake` and `laurel unbake`.
// Kept apart from main.ts, which wires them in; everything goes through the Studio API.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { bakeCredential, unbakeImage, writeOutput, type Studio } from '../core/api/index.ts';
import { FIELD_LABELS, formatProblems, formatSummary, type RosterField } from '../core/import/index.ts';
import type { BatchProgress, BatchSummary, ExportFormat, IdentityMode, PreparedBatch, RosterInspection } from '../core/issue/index.ts';
import { LaurelError, isLaurelError } from '../core/util/errors.ts';
import { flag, list, required, str, type OptionSpec, type Parsed } from './args.ts';

type WithStudio = <T>(fn: (studio: Studio) => Promise<T>) => Promise<T>;

export const ISSUE_ROSTER_OPTIONS = {
  roster: { type: 'string' },
  map: { type: 'string', multiple: true },
  encoding: { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  identity: { type: 'string' },
  'plaintext-identity': { type: 'boolean' },
  image: { type: 'string' },
} as const satisfies OptionSpec;

/** A comma-separated list broken into lines of at most `width`, continuation lines indented. */
function wrapList(items: readonly string[], indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (line && indent + next.length + 1 > width) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export const ISSUE_ROSTER_HELP = `A whole class from a roster:
  laurel issue --roster <csv> --achievement <json file or achievement id> --issuer <id or name> --out <folder>
               [--format json,jwt,png,svg] [--image <png or svg>] [--map <field>=<column> ...]
               [--encoding <name>] [--skip-bad-rows] [--identity email|did|learnerId]
               [--plaintext-identity] [--allow-eddsa-jwt]

Signs a credential for every learner of the roster and writes, per learner, <name>.json (and .jwt)
and the badge image with the credential baked in (.png/.svg), plus manifest.json (files and their
SHA-256) and summary.csv (for a mail merge) to --out (a new or empty folder).
  --achievement   a JSON file, or the id of an achievement stored in the workspace (newest version);
                  an edited file whose earlier version issued credentials becomes a new version
  --format        default json,png (json,svg with an SVG --image)
  --image         the badge image to bake; default: a plain rosette badge
  --map           which column feeds a field, e.g. --map email="E-Mail" (the rest is guessed and
                  shown); the fields are
                  ${wrapList(Object.keys(FIELD_LABELS), 18, 100)}
  --encoding      the file's encoding when it is not UTF-8 (e.g. windows-1252)
  --identity      what names the learner: did, email or learnerId (default: the first of these the
                  roster has a column for)
  --plaintext-identity   write the email or learner id in clear instead of as a salted hash
  --skip-bad-rows issue the good rows and list the skipped ones (default: sign nothing, exit 2)
Interrupted (Ctrl-C, crash)? Run the same command again: it resumes, never signing anyone twice.
`;

export const BAKE_HELP = `Usage: laurel bake <credential file> --image <png or svg> --out <file> [--force]

Bakes a signed credential (JSON or VC-JWT) into a PNG (iTXt chunk) or SVG badge image, as Open
Badges 3.0 specifies. An SVG is sanitised first (scripts and external links removed).
`;

export const UNBAKE_HELP = `Usage: laurel unbake <png or svg> [--out <file>] [--force]

Prints the credential baked into a PNG or SVG badge image (or writes it to --out). Check it with
laurel verify.
`;

export function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new LaurelError('INVALID_INPUT', `Cannot read the ${what} ${file}: ${why}.`);
  }
}

export function parseFormats(v: string | undefined): ExportFormat[] | undefined {
  if (v === undefined) return undefined;
  const formats = v.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  const bad = formats.filter((f) => !['json', 'jwt', 'png', 'svg'].includes(f));
  if (bad.length || formats.length === 0) throw new LaurelError('INVALID_INPUT', `--format takes a list of json, jwt, png, svg (got '${v}').`);
  return formats as ExportFormat[];
}

/** --achievement: a JSON file when one exists at that path, else the id of a stored achievement. */
export function achievementSource(arg: string): { json: unknown } | { id: string } {
  if (existsSync(arg) && statSync(arg).isFile()) {
    const text = readFile(arg, 'achievement file').toString('utf8').replace(/^\uFEFF/, '');
    try {
      return { json: JSON.parse(text) };
    } catch (e) {
      throw new LaurelError('INVALID_INPUT', `The achievement file ${arg} is not valid JSON: ${(e as Error).message}.`);
    }
  }
  if (/[\\/]|\.json$/i.test(arg) && !/^[a-z][a-z0-9+.-]*:/i.test(arg)) throw new LaurelError('INVALID_INPUT', `Cannot read the achievement file ${arg}: no such file.`);
  return { id: arg };
}

const describeEncoding = (e: string): string => (e === 'utf-8-bom' ? 'UTF-8 (with BOM)' : e === 'utf-8' ? 'UTF-8' : e);
const delimName = (d: string): string => (d === '\t' ? 'tab' : `'${d}'`);

export function mappingLines(i: RosterInspection): string[] {
  const lines = [`Columns (${i.explicit.length ? 'guessed, with your --map' : 'guessed'}; change with --map <field>=<column>):`];
  const guessed = new Map(i.guess.guesses.map((g) => [g.field, g]));
  const width = Math.max(...Object.keys(i.mapping).map((f) => f.length), 5);
  for (const [field, column] of Object.entries(i.mapping)) {
    const how = i.explicit.includes(field) ? 'your --map' : (guessed.get(field as RosterField)?.confidence ?? '') + ' confidence';
    lines.push(`  ${field.padEnd(width)} ← "${column}"  (${how})`);
  }
  const used = new Set(Object.values(i.mapping));
  const unmapped = i.headers.filter((h) => h.trim() && !used.has(h));
  if (unmapped.length) lines.push(`  not used: ${unmapped.map((h) => `"${h}"`).join(', ')}`);
  for (const n of i.guess.notes) lines.push(`  note: ${n}`);
  return lines;
}

export function identityLine(identity: string, plaintext: boolean): string {
  if (identity === 'did') return 'Learners are named by their DID (the credential subject id).';
  const what = identity === 'email' ? 'email address' : 'learner id';
  return plaintext ? `Learners are named by their ${what}, written in clear (--plaintext-identity).` : `Learners are named by their ${what}, as a salted SHA-256 hash (a new salt per credential).`;
}

function seconds(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Progress on stderr: one line rewritten in place on a terminal, plain lines every few seconds otherwise. */
export function progressPrinter(): { update: (p: BatchProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  let shown = false;
  const text = (p: BatchProgress): string => {
    const rate = p.ratePerSec > 0 ? ` · ${Math.round(p.ratePerSec)}/s` : '';
    const eta = p.etaSeconds !== null && p.etaSeconds > 0 ? ` · about ${seconds(p.etaSeconds)} left` : '';
    const failed = p.failed ? ` · ${p.failed} failed` : '';
    return `  ${p.signed.toLocaleString('en')} of ${p.total.toLocaleString('en')} signed, ${p.exported.toLocaleString('en')} exported${failed}${rate}${eta}`;
  };
  return {
    update(p) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${text(p)}`);
        shown = true;
      } else if (Date.now() - lastPlain >= 2000 || p.phase === 'finishing') {
        if (p.phase === 'finishing' && p.etaSeconds === 0 && lastPlain === -1) return;
        lastPlain = p.phase === 'finishing' && p.etaSeconds === 0 ? -1 : Date.now();
        process.stderr.write(text(p) + '\n');
      }
    },
    end() {
      if (tty && shown) process.stderr.write('\n');
      shown = false;
    },
  };
}

function summaryText(prepared: PreparedBatch, s: BatchSummary, formats: readonly ExportFormat[]): string {
  const n = s.counts.exported;
  const lines: string[] = [];
  if (s.state === 'completed') {
    lines.push(
      prepared.status === 'complete'
        ? `Batch ${s.batchId} was already issued: ${n.toLocaleString('en')} credentials in ${s.outDir}${s.repairedFiles ? ` (${s.repairedFiles} missing or changed files written again)` : ' (all files present and unchanged)'}.`
        : `Issued ${n.toLocaleString('en')} credential${n === 1 ? '' : 's'} (batch ${s.batchId}) to ${s.outDir}`,
    );
  } else {
    lines.push(`Batch ${s.batchId}: ${n.toLocaleString('en')} of ${s.total.toLocaleString('en')} credentials issued to ${s.outDir}`);
  }
  lines.push(`  per learner: ${formats.map((f) => `.${f}`).join(', ')}; also ${path.basename(s.manifest)} (files and SHA-256) and ${path.basename(s.summaryCsv)} (for a mail merge)`);
  if (s.counts.skipped) lines.push(`  ${s.counts.skipped} roster row${s.counts.skipped === 1 ? ' was' : 's were'} skipped (listed in ${path.basename(s.manifest)})`);
  for (const f of s.failures.slice(0, 20)) lines.push(`  failed: line ${f.line ?? '?'}: ${f.error}`);
  if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more failures`);
  return lines.join('\n');
}

/** `laurel issue --roster …`. */
export async function issueRoster(p: Parsed, json: boolean, withStudio: WithStudio): Promise<number> {
  const rosterFile = required(p, 'roster', 'issue');
  const issuerArg = required(p, 'issuer', 'issue');
  const achievementArg = required(p, 'achievement', 'issue');
  const outDir = required(p, 'out', 'issue');
  if (str(p, 'recipient') !== undefined) throw new LaurelError('INVALID_INPUT', '--recipient names one learner; with --roster every row of the file is a learner. Use one or the other.');
  const formats = parseFormats(str(p, 'format'));
  const identityArg = str(p, 'identity');
  if (identityArg !== undefined && identityArg !== 'email' && identityArg !== 'did' && identityArg !== 'learnerId') {
    throw new LaurelError('INVALID_INPUT', `--identity must be email, did or learnerId (got '${identityArg}').`);
  }
  const identity: IdentityMode | undefined = identityArg;
  const rosterBytes = readFile(rosterFile, 'roster');
  const imageFile = str(p, 'image');
  const image = imageFile ? { bytes: readFile(imageFile, 'badge image'), name: path.basename(imageFile) } : undefined;
  const achievement = achievementSource(achievementArg);
  const roster = {
    bytes: rosterBytes,
    name: path.basename(rosterFile),
    ...(str(p, 'encoding') ? { encoding: str(p, 'encoding')! } : {}),
    map: list(p, 'map'),
    ...(identity ? { identity } : {}),
  };
  const err = (line = ''): void => {
    if (!json) process.stderr.write(line + '\n');
  };

  return withStudio(async (studio) => {
    // The mapping and the row report come first, so a refused file says why before anything else.
    const inspection = studio.inspectRoster(roster);
    err(`${rosterFile}: ${describeEncoding(inspection.encoding)}, delimiter ${delimName(inspection.delimiter)}, ${inspection.check.stats.records.toLocaleString('en')} rows.`);
    for (const w of inspection.warnings) err(`  warning: ${w}`);
    for (const l of mappingLines(inspection)) err(l);
    err(identityLine(inspection.identity, flag(p, 'plaintext-identity')));
    const warnings = inspection.check.problems.filter((x) => x.severity === 'warning');
    if (warnings.length) {
      err(`Warnings (these rows are still issued):`);
      for (const l of formatProblems(warnings, { max: 50 })) err(`  ${l}`);
    }

    const prepared = await studio
      .prepareBatch({
        issuer: issuerArg,
        roster,
        achievement,
        outDir,
        ...(formats ? { formats } : {}),
        ...(image ? { image } : {}),
        skipBadRows: flag(p, 'skip-bad-rows'),
        plaintextIdentity: flag(p, 'plaintext-identity'),
        allowEdDSA: flag(p, 'allow-eddsa-jwt'),
      })
      .catch((e: unknown) => {
        if (isLaurelError(e) && e.code === 'VALIDATION' && e.message.startsWith('The achievement')) throw new LaurelError('VALIDATION', `${achievementArg}: ${e.message}`);
        throw e;
      });
    if (prepared.skipped.length) {
      err(`${formatSummary(prepared.inspection.check)} Skipping ${prepared.inspection.check.stats.rejected} row(s) (--skip-bad-rows):`);
      for (const l of formatProblems(prepared.skipped)) err(`  ${l}`);
    }
    const b = prepared.batch;
    const achievementLine = `${b.achievement.name} (version ${b.achievement.version}${prepared.achievementVersionCreated && b.achievement.version > 1 ? ', new: the achievement changed since credentials were issued' : ''})`;
    const done = b.counts.signed + b.counts.exported;
    if (prepared.status === 'new') err(`Batch ${b.id}: ${b.total.toLocaleString('en')} learners, ${achievementLine}.`);
    else if (prepared.status === 'resume') err(`Resuming batch ${b.id}, ${done.toLocaleString('en')} of ${b.total.toLocaleString('en')} already signed.`);
    else err(`Batch ${b.id} was already issued from this roster with these options; checking its files in ${b.outDir}.`);

    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) {
        // Committed credentials stay committed: quitting now loses nothing, the next run resumes.
        process.stderr.write(`\nStopped. Run the same command again to resume batch ${b.id}.\n`);
        process.exit(130);
      }
      process.stderr.write('\nStopping after the credentials being signed now… (Ctrl-C again to quit at once)\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    const progress = progressPrinter();
    let summary: BatchSummary;
    try {
      summary = await studio.runBatch(b.id, { signal: controller.signal, onProgress: json ? undefined : (x) => progress.update(x) });
    } finally {
      progress.end();
      process.off('SIGINT', onSigint);
    }
    if (json) process.stdout.write(JSON.stringify({ prepared: { status: prepared.status, batch: prepared.batch, skipped: prepared.skipped }, summary }, null, 2) + '\n');
    if (summary.state === 'cancelled') {
      if (!json) process.stdout.write(summaryText(prepared, summary, b.formats) + '\n');
      err(`Cancelled. ${summary.counts.exported.toLocaleString('en')} of ${summary.total.toLocaleString('en')} credentials are signed and exported; nothing is half-done. Run the same command again to resume batch ${b.id}.`);
      return 130;
    }
    if (!json) process.stdout.write(summaryText(prepared, summary, b.formats) + '\n');
    if (summary.state !== 'completed') {
      err(`Some credentials could not be issued; fix the cause and run the same command again to retry them (batch ${b.id}).`);
      return 1;
    }
    return 0;
  });
}

/** `laurel bake <credential> --image <png|svg> --out <file>`. */
export async function bake(p: Parsed, json: boolean): Promise<number> {
  const file = p.positionals[0];
  if (!file) throw new LaurelError('INVALID_INPUT', 'Which credential? laurel bake <credential file> --image <png or svg> --out <file>');
  const imageFile = required(p, 'image', 'bake');
  const outFile = required(p, 'out', 'bake');
  const credential = readFile(file, 'credential').toString('utf8').replace(/^\uFEFF/, '');
  const baked = bakeCredential(credential, readFile(imageFile, 'badge image'));
  const written = await writeOutput(outFile, baked.bytes, { force: flag(p, 'force') });
  const kind = baked.mediaType === 'image/png' ? 'PNG' : 'SVG';
  const removed = baked.removed.length ? `\n  the SVG was sanitised: removed ${baked.removed.join(', ')}` : '';
  process.stdout.write(json ? JSON.stringify({ file: written, mediaType: baked.mediaType, removed: baked.removed }, null, 2) + '\n' : `Baked ${file} into ${written} (${kind})${removed}\n`);
  return 0;
}

/** `laurel unbake <png|svg> [--out <file>]`. */
export async function unbake(p: Parsed, json: boolean): Promise<number> {
  const file = p.positionals[0];
  if (!file) throw new LaurelError('INVALID_INPUT', 'Which image? laurel unbake <png or svg> [--out <file>]');
  const result = unbakeImage(readFile(file, 'image'));
  const outFile = str(p, 'out');
  if (outFile) {
    // The baked text verbatim: the file is byte for byte what was signed.
    const written = await writeOutput(outFile, result.text, { force: flag(p, 'force') });
    process.stdout.write(json ? JSON.stringify({ ...result, text: undefined, file: written }, null, 2) + '\n' : `Unbaked the ${result.kind === 'ob3' ? 'Open Badges 3.0' : result.kind === 'clr2' ? 'CLR 2.0' : 'Open Badges 2.0'} ${result.format === 'jwt' ? 'VC-JWT' : 'credential'} from ${file} into ${written}\n`);
  } else {
    process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : result.text.endsWith('\n') ? result.text : result.text + '\n');
  }
  return 0;
}
