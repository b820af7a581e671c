// `laurel framework import|export|list` (skill frameworks, CASE 1.1) and `laurel clr create|batch`
// (CLR 2.0 records). Kept apart from main.ts, which wires them in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeOutput, type Studio } from '../core/api/index.ts';
import { clrFile, clrFormatOf, parseAssociation, type ClrFileFormat } from '../core/clr/index.ts';
import { FRAMEWORK_CSV_HELP } from '../core/frameworks/index.ts';
import { LaurelError } from '../core/util/errors.ts';
import { flag, list, required, str, type OptionSpec, type Parsed } from './args.ts';
import { readFile } from './batch.ts';

type WithStudio = <T>(p: Parsed, fn: (studio: Studio) => Promise<T>) => Promise<T>;
type Print = (json: boolean, human: string, data: unknown) => void;

export const CLR_GROUPS = ['framework', 'clr'];

export const CLR_HELP: Record<string, string> = {
  'framework import': `Usage: laurel framework import <case.json | competencies.csv> [--replace] [--title <title>]
                              [--creator <name>] [--target-type CFItem|ceasn:Competency|CTDL]

Imports a skill framework: a CASE 1.1 CFPackage (JSON with CFDocument, CFItems, CFAssociations;
the tree comes from its isChildOf associations), or a CSV of competencies with ${FRAMEWORK_CSV_HELP}.
  --replace       replace a framework with the same CFDocument identifier
  --title         the framework's title for a CSV (default: the file name)
  --target-type   how alignments name the items (default CFItem; ceasn:Competency or CTDL for
                  Credential Engine competencies)
`,
  'framework export': `Usage: laurel framework export <id> --out <file.json> [--version <n>] [--force]

Writes the framework as a CASE 1.1 CFPackage JSON (or a saved version of it). Importing that file
gives the same framework again.
`,
  'framework list': `Usage: laurel framework list

Lists the workspace's skill frameworks with their ids.
`,
  'clr create': `Usage: laurel clr create --issuer <id or name> --recipient <email or DID> --credential <file or id> [...]
                        [--achievement <grouping achievement.json> ...]
                        [--association "<sourceId> <type> <targetId>" ...] [--partial]
                        [--name <record name>] [--learner-name <name>] [--image <png|svg>]
                        [--online] --out <file.json|.png|.svg> [--force]

Builds a Comprehensive Learner Record (CLR 2.0) for one learner, signs it with the issuer's key and
stores it. Each --credential is a signed Open Badges credential (JSON, or a baked PNG/SVG) from any
issuer, or the id of one issued from this workspace; it must verify and is embedded exactly as its
issuer signed it (a VC-JWT has no slot in a CLR).
  --achievement   a grouping achievement (a program, a degree): Achievement JSON, or a list of them
  --association   how two achievements relate, by their ids: one of exactMatchOf, isChildOf,
                  isParentOf, isPartOf, isPeerOf, isRelatedTo, precedes, replacedBy; self-loops,
                  unknown ids and contradictions (A isChildOf B with B isChildOf A) are refused
  --partial       the record does not hold everything the learner has
  --online        fetch issuers' keys (did:web, https) to verify third-party credentials
  --out           .json, or .png/.svg to bake it into a badge image (keyword clrcredential)
`,
  'clr batch': `Usage: laurel clr batch --issuer <id or name> --roster <learners.csv> --out <folder>
                       [--name "Transcript of {name}"] [--credential <third-party file> ...]
                       [--achievement <grouping.json> ...] [--association "<src> <type> <dst>" ...]
                       [--partial] [--format json,png,svg]

One CLR per learner of the roster (name and e-mail or DID columns): the credentials this workspace
issued to the learner, plus the --credential files issued to them. Associations whose ends are not
both in a learner's record are left out of it. Ctrl-C stops after the current learner.
`,
};

function readJson(file: string, what: string): unknown {
  const text = readFile(file, what).toString('utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `The ${what} ${file} is not valid JSON: ${(e as Error).message}.`);
  }
}

/** --achievement files: each an Achievement object or a list of them. */
function groupingAchievements(files: string[]): unknown[] {
  return files.flatMap((f) => {
    const j = readJson(f, 'grouping achievement file');
    return Array.isArray(j) ? j : [j];
  });
}

/** --credential: a file, or the id of a credential issued from this workspace. */
function credentialArg(v: string): { credentialId: string } | { bytes: Uint8Array; name: string } {
  if (!existsSync(v) && /^(urn:|https?:\/\/)/i.test(v)) return { credentialId: v };
  return { bytes: readFile(v, 'credential file'), name: path.basename(v) };
}

function formats(v: string | undefined): ClrFileFormat[] {
  if (v === undefined) return ['json'];
  const fs = v.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  const bad = fs.filter((f) => !['json', 'png', 'svg'].includes(f));
  if (bad.length || !fs.length) throw new LaurelError('INVALID_INPUT', `--format takes a list of json, png, svg (got '${v}'); a CLR has no VC-JWT form.`);
  return fs as ClrFileFormat[];
}

export function clrCommands(withStudio: WithStudio, print: Print): Record<string, { options: OptionSpec; run: (p: Parsed, json: boolean) => Promise<number> }> {
  return {
    'framework import': {
      options: { replace: { type: 'boolean' }, title: { type: 'string' }, creator: { type: 'string' }, 'target-type': { type: 'string' } },
      run: (p, json) => {
        const file = p.positionals[0];
        if (!file) throw new LaurelError('INVALID_INPUT', 'Which file? laurel framework import <case.json|competencies.csv>');
        const bytes = readFile(file, 'framework file');
        return withStudio(p, async (studio) => {
          const f = studio.importFramework({
            bytes,
            name: path.basename(file),
            replace: flag(p, 'replace'),
            ...(str(p, 'title') ? { title: str(p, 'title')! } : {}),
            ...(str(p, 'creator') ? { creator: str(p, 'creator')! } : {}),
            ...(str(p, 'target-type') ? { targetType: str(p, 'target-type')! } : {}),
          });
          const top = f.items.filter((i) => i.depth === 0).length;
          print(json, `Imported "${f.title}" (${f.items.length} competencies, ${top} at the top level)\n  id: ${f.id}`, { id: f.id, title: f.title, items: f.items.length, source: f.source });
          return 0;
        });
      },
    },
    'framework export': {
      options: { out: { type: 'string' }, version: { type: 'string' }, force: { type: 'boolean' } },
      run: (p, json) => {
        const id = p.positionals[0];
        if (!id) throw new LaurelError('INVALID_INPUT', 'Which framework? laurel framework export <id> --out <file.json> (ids: laurel framework list)');
        const out = required(p, 'out', 'framework export');
        const v = str(p, 'version');
        if (v !== undefined && !/^\d+$/.test(v)) throw new LaurelError('INVALID_INPUT', `--version must be a version number (got '${v}').`);
        return withStudio(p, async (studio) => {
          const pkg = studio.exportFramework(id, v === undefined ? undefined : Number(v));
          const written = await writeOutput(out, JSON.stringify(pkg, null, 2) + '\n', { force: flag(p, 'force') });
          print(json, `Wrote the CASE package of ${id} (${(pkg.CFItems as unknown[]).length} items) to ${written}`, { file: written, items: (pkg.CFItems as unknown[]).length });
          return 0;
        });
      },
    },
    'framework list': {
      options: {},
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const fs = studio.listFrameworks();
          print(json, fs.length ? fs.map((f) => `${f.title}${f.version ? ` (version ${f.version})` : ''}: ${f.items} competencies\n  id: ${f.id}`).join('\n') : 'No frameworks yet: laurel framework import <case.json|csv>', fs);
          return 0;
        }),
    },
    'clr create': {
      options: {
        issuer: { type: 'string' },
        recipient: { type: 'string' },
        credential: { type: 'string', multiple: true },
        achievement: { type: 'string', multiple: true },
        association: { type: 'string', multiple: true },
        partial: { type: 'boolean' },
        name: { type: 'string' },
        'learner-name': { type: 'string' },
        description: { type: 'string' },
        image: { type: 'string' },
        online: { type: 'boolean' },
        out: { type: 'string' },
        force: { type: 'boolean' },
      },
      run: (p, json) => {
        const issuer = required(p, 'issuer', 'clr create');
        const recipient = required(p, 'recipient', 'clr create');
        const out = required(p, 'out', 'clr create');
        const format = clrFormatOf(out);
        const creds = list(p, 'credential');
        if (!creds.length) throw new LaurelError('INVALID_INPUT', 'missing --credential: a CLR bundles at least one credential (see: laurel clr create --help)');
        const credentials = creds.map(credentialArg);
        const achievements = groupingAchievements(list(p, 'achievement'));
        const associations = list(p, 'association').map(parseAssociation);
        const image = str(p, 'image') ? readFile(str(p, 'image')!, 'image') : undefined;
        if (out && existsSync(out) && !flag(p, 'force')) throw new LaurelError('CONFLICT', `${path.resolve(out)} already exists; choose another --out or add --force to replace it.`);
        return withStudio(p, async (studio) => {
          const created = await studio.createClr({
            issuer,
            recipient,
            credentials,
            ...(achievements.length ? { achievements } : {}),
            ...(associations.length ? { associations } : {}),
            ...(flag(p, 'partial') ? { partial: true } : {}),
            ...(str(p, 'name') ? { name: str(p, 'name')! } : {}),
            ...(str(p, 'learner-name') ? { learnerName: str(p, 'learner-name')! } : {}),
            ...(str(p, 'description') ? { description: str(p, 'description')! } : {}),
            ...(flag(p, 'online') ? { online: true } : {}),
          });
          const written = await writeOutput(out, clrFile(created.body, format, image).bytes, { force: flag(p, 'force') });
          const lines = [`Signed the CLR ${created.credentialId} for ${recipient} (${created.credentials.length} credentials)`];
          for (const c of created.credentials) lines.push(`  - ${c.achievement?.name ?? c.label} from ${c.issuerName ?? c.issuerId ?? 'an unnamed issuer'}${c.note ? ` (${c.note})` : ''}`);
          lines.push(`  written to ${written}`);
          print(json, lines.join('\n'), { credentialId: created.credentialId, issuerId: created.issuerId, file: written, credentials: created.credentials.map((c) => ({ label: c.label, issuer: c.issuerId, achievement: c.achievement, note: c.note ?? null })) });
          return 0;
        });
      },
    },
    'clr batch': {
      options: {
        issuer: { type: 'string' },
        roster: { type: 'string' },
        name: { type: 'string' },
        credential: { type: 'string', multiple: true },
        achievement: { type: 'string', multiple: true },
        association: { type: 'string', multiple: true },
        partial: { type: 'boolean' },
        format: { type: 'string' },
        online: { type: 'boolean' },
        out: { type: 'string' },
      },
      run: (p, json) => {
        const issuer = required(p, 'issuer', 'clr batch');
        const rosterFile = required(p, 'roster', 'clr batch');
        const outDir = path.resolve(required(p, 'out', 'clr batch'));
        const roster = { bytes: readFile(rosterFile, 'roster'), name: path.basename(rosterFile) };
        const pool = list(p, 'credential').map((f) => ({ label: path.basename(f), bytes: readFile(f, 'credential file') }));
        const achievements = groupingAchievements(list(p, 'achievement'));
        const associations = list(p, 'association').map(parseAssociation);
        return withStudio(p, async (studio) => {
          const ctl = new AbortController();
          const stop = () => ctl.abort();
          process.once('SIGINT', stop);
          try {
            const summary = await studio.runClrBatch(
              {
                issuer,
                roster,
                name: str(p, 'name') ?? 'Transcript of {name}',
                pool,
                outDir,
                formats: formats(str(p, 'format')),
                ...(achievements.length ? { achievements } : {}),
                ...(associations.length ? { associations } : {}),
                ...(flag(p, 'partial') ? { partial: true } : {}),
                ...(flag(p, 'online') ? { online: true } : {}),
              },
              {
                signal: ctl.signal,
                onProgress: (pr) => {
                  if (!json && process.stderr.isTTY) process.stderr.write(`\r${pr.done}/${pr.total} learners, ${pr.created} records`);
                },
              },
            );
            if (!json && process.stderr.isTTY) process.stderr.write('\n');
            const lines = [`${summary.cancelled ? 'Stopped: ' : ''}${summary.created} CLR(s) in ${outDir}; ${summary.skipped} learner(s) skipped, ${summary.failed} failed`];
            for (const it of summary.items) if (it.outcome !== 'created') lines.push(`  line ${it.line ?? '?'} ${it.name ?? it.recipient}: ${it.outcome}: ${it.reason}`);
            print(json, lines.join('\n'), summary);
            return summary.cancelled ? 130 : summary.failed ? 1 : 0;
          } finally {
            process.off('SIGINT', stop);
          }
        });
      },
    },
  };
}
