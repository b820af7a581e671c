// Air-gapped signing from the command line: `laurel request create|review|sign|reject`,
// `laurel bundle import`, `laurel issuer export|import`, `laurel settings air-gapped`.
// Wired into main.ts like cli/publish.ts; everything goes through the Studio API.
import path from 'node:path';
import { writeOutput, type Studio } from '../core/api/index.ts';
import { fingerprint, type RequestReview, type SigningRequest } from '../core/airgap/index.ts';
import { formatProblems, formatSummary } from '../core/import/index.ts';
import type { IdentityMode } from '../core/issue/index.ts';
import { LaurelError, isLaurelError } from '../core/util/errors.ts';
import { flag, list, required, shellWord, str, type OptionSpec, type Parsed } from './args.ts';
import { ISSUE_ROSTER_OPTIONS, achievementSource, identityLine, mappingLines, parseFormats, progressPrinter, readFile } from './batch.ts';

type WithStudio = <T>(p: Parsed, fn: (studio: Studio) => Promise<T>) => Promise<T>;
type Print = (json: boolean, human: string, data: unknown) => void;

export const AIRGAP_GROUPS = ['request', 'bundle', 'settings'];

export const AIRGAP_HELP: Record<string, string> = {
  'request create': `Usage: laurel request create --issuer <id or name> --achievement <json file or id> --roster <csv>
                            --out <request file> [--format json,jwt,png,svg] [--image <png or svg>]
                            [--map <field>=<column> ...] [--encoding <name>] [--skip-bad-rows]
                            [--identity email|did|learnerId] [--plaintext-identity]
                            [--valid-from <date-time>] [--valid-until <date-time>] [--allow-eddsa-jwt]
                            [--force]

On the preparing (connected) machine: prepares the batch exactly as 'laurel issue --roster' does,
but instead of signing writes a signing request: the unsigned credentials, the issuer and key to
sign them with, the SHA-256 of every JSON-LD context they use, who prepared it and when, and a
digest over all of it (format: docs/formats/signing-request.md). Carry it to the signing machine.
The issuer may be one imported with 'laurel issuer import' (its key stays on the signer).
Running it again for the same roster makes a new request and supersedes the old one.
Prints the request's fingerprint: read it to the officer, who sees it in 'laurel request review'.
`,
  'request review': `Usage: laurel request review <request file> [--all] [--search <text>] [--show <row>]

On the signing machine: checks the request (any changed byte is refused, with what differs), its
contexts against this studio's pinned bundle, the issuer and key against this workspace, and
every credential; then prints what would be signed: issuer and key, achievement, number of
credentials, recipients (a sample; --all for every one, --search to find some), dates, warnings
(validity in the past, duplicate recipients, an achievement changed since the preparer's last
request). --show prints the unsigned credential of one roster row exactly as it would be signed.
Opens no network connection.
`,
  'request sign': `Usage: laurel request sign <request file> --out <bundle file> [--accept-warnings] [--force]

On the signing machine: the officer's approval. Checks the request as 'review' does, signs every
credential with the issuer's key from the key store (the keychain), writes the approval to the
audit log and the signed bundle to --out (format: docs/formats/signed-bundle.md). A request
approved before gives the same bundle again. A request the review warns about (validity in the
past, duplicate recipients, a changed achievement) is signed only with --accept-warnings.
Opens no network connection.
`,
  'request list': `Usage: laurel request list

Signing requests this workspace made (with its batch's state: prepared, awaiting signature,
signed, imported, or superseded by a newer request) and requests it opened as the signer
(opened, approved, rejected), newest first.
`,
  'request reject': `Usage: laurel request reject <request file> --reason <text>

On the signing machine: records that the officer rejected the request (audit log); nothing is signed.
`,
  'bundle import': `Usage: laurel bundle import <bundle file> [--out <folder>] [--format json,jwt,png,svg]

On the preparing machine: checks the signed bundle (it must answer a request this workspace made
and is waiting on, hold exactly the requested credentials unchanged, and every signature must
verify with the issuer's key), stores the credentials and exports the batch as 'laurel issue
--roster' does: per learner .json/.jwt and baked .png/.svg, manifest.json and summary.csv.
  --out      the export folder (a new or empty folder; default: the one chosen at request time)
  --format   what to write (default: the request's); only forms the signer made
Interrupted while exporting? Run the same command again: it finishes the export, storing nothing twice.
`,
  'issuer export': `Usage: laurel issuer export <id or name> --out <file> [--force]

Writes the issuer's public profile and public key, never its private key, for the preparing
machine ('laurel issuer import').
`,
  'issuer import': `Usage: laurel issuer import <file>

Imports an issuer exported on the signing machine. This workspace can then make signing requests
for it; it can't sign (the key stays on the signer). Importing a newer export updates the profile.
`,
  'settings air-gapped': `Usage: laurel settings air-gapped [on|off]

Shows or sets air-gapped mode for the workspace: when on, the studio refuses every network use
(publishing to hosts, online verification, fetching badges); signing never needs the network.
`,
};

const roster = ISSUE_ROSTER_OPTIONS;

function positional(p: Parsed, what: string, usage: string): string {
  const v = p.positionals[0];
  if (!v) throw new LaurelError('INVALID_INPUT', `Which ${what}? ${usage}`);
  if (p.positionals.length > 1) throw new LaurelError('INVALID_INPUT', `${usage} takes one ${what}.`);
  return v;
}

/** The officer's review, as lines. */
export function formatReview(r: RequestReview, options: { all?: boolean; search?: string } = {}): string {
  const forms = r.forms.map((f) => (f === 'json' ? 'JSON with a Data Integrity proof' : 'VC-JWT')).join(' and ');
  const lines = [
    `Signing request ${r.requestId}`,
    `  fingerprint:  ${r.fingerprint}   (compare with the preparer's)`,
    `  prepared:     ${r.preparedAt} by ${r.preparedBy.actor}`,
    `  sign as:      ${r.issuer.name} (${r.issuer.id})`,
    `  key:          ${r.issuer.keyAlgorithm}, ${r.issuer.verificationMethod}`,
    `                kept in ${r.issuer.keyLocation}`,
    ...r.achievements.map((a) => `  achievement:  ${a.name} (${a.id}, version ${a.version}): ${a.count.toLocaleString('en')} credential${a.count === 1 ? '' : 's'}`),
    `  forms:        ${forms}`,
    `  valid:        from ${r.dates.validFrom}${r.dates.validUntil ? ` until ${r.dates.validUntil}` : ' (no expiry)'}`,
    `  roster:       ${r.roster.file ?? '(unnamed)'}${r.roster.sha256 ? ` (SHA-256 ${r.roster.sha256.slice(0, 16)}…)` : ''}`,
    `  contexts:     ${r.contexts.length}, each matching this studio's pinned copy`,
  ];
  const q = options.search?.trim().toLowerCase();
  const shown = q ? r.recipients.filter((x) => `${x.label} ${x.credentialId}`.toLowerCase().includes(q)) : options.all ? r.recipients : r.sample;
  lines.push(
    q
      ? `  recipients matching "${options.search}": ${shown.length} of ${r.count}`
      : options.all || r.count <= r.sample.length
        ? `  recipients (${r.count}):`
        : `  recipients (first ${r.sample.length} of ${r.count}; --all for every one, --search <text> to find some):`,
  );
  for (const x of shown) lines.push(`    ${String(x.seq).padStart(5)}  ${x.label}`);
  if (r.warnings.length) {
    lines.push(`  warnings (${r.warnings.length}):`);
    for (const w of r.warnings) lines.push(`    ! ${w.message}`);
  } else lines.push('  warnings:     none');
  const state = { new: 'not decided yet', reviewed: 'opened before, not decided yet', approved: `approved on ${r.decidedAt}`, rejected: `rejected on ${r.decidedAt} (${r.note ?? ''})` }[r.state];
  lines.push(`  state:        ${state}`);
  return lines.join('\n');
}

export function airgapCommands(withStudio: WithStudio, print: Print): Record<string, { options: OptionSpec; run: (p: Parsed, json: boolean) => Promise<number> }> {
  return {
    'request create': {
      options: {
        ...roster,
        issuer: { type: 'string' },
        achievement: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        'valid-from': { type: 'string' },
        'valid-until': { type: 'string' },
        'allow-eddsa-jwt': { type: 'boolean' },
      },
      run: async (p, json) => {
        const rosterFile = required(p, 'roster', 'request create');
        const issuerArg = required(p, 'issuer', 'request create');
        const achievementArg = required(p, 'achievement', 'request create');
        const outFile = required(p, 'out', 'request create');
        const formats = parseFormats(str(p, 'format'));
        const identityArg = str(p, 'identity');
        if (identityArg !== undefined && !['email', 'did', 'learnerId'].includes(identityArg)) throw new LaurelError('INVALID_INPUT', `--identity must be email, did or learnerId (got '${identityArg}').`);
        const imageFile = str(p, 'image');
        const achievement = achievementSource(achievementArg);
        const source = {
          bytes: readFile(rosterFile, 'roster'),
          name: path.basename(rosterFile),
          ...(str(p, 'encoding') ? { encoding: str(p, 'encoding')! } : {}),
          map: list(p, 'map'),
          ...(identityArg ? { identity: identityArg as IdentityMode } : {}),
        };
        return withStudio(p, async (studio) => {
          const err = (l: string): void => {
            if (!json) process.stderr.write(l + '\n');
          };
          const inspection = studio.inspectRoster(source);
          for (const w of inspection.warnings) err(`  warning: ${w}`);
          for (const l of mappingLines(inspection)) err(l);
          err(identityLine(inspection.identity, flag(p, 'plaintext-identity')));
          const warnings = inspection.check.problems.filter((x) => x.severity === 'warning');
          if (warnings.length) {
            err('Warnings (these rows are still in the request):');
            for (const l of formatProblems(warnings, { max: 50 })) err(`  ${l}`);
          }
          const made = await studio
            .createSigningRequest({
              issuer: issuerArg,
              roster: source,
              achievement,
              ...(formats ? { formats } : {}),
              ...(imageFile ? { image: { bytes: readFile(imageFile, 'badge image'), name: path.basename(imageFile) } } : {}),
              skipBadRows: flag(p, 'skip-bad-rows'),
              plaintextIdentity: flag(p, 'plaintext-identity'),
              allowEdDSA: flag(p, 'allow-eddsa-jwt'),
              ...(str(p, 'valid-from') ? { validFrom: str(p, 'valid-from')! } : {}),
              ...(str(p, 'valid-until') ? { validUntil: str(p, 'valid-until')! } : {}),
            })
            .catch((e: unknown) => {
              if (isLaurelError(e) && e.code === 'VALIDATION' && e.message.startsWith('The achievement')) throw new LaurelError('VALIDATION', `${achievementArg}: ${e.message}`);
              throw e;
            });
          if (made.prepared.skipped.length) {
            err(`${formatSummary(made.prepared.inspection.check)} Left out (--skip-bad-rows):`);
            for (const l of formatProblems(made.prepared.skipped)) err(`  ${l}`);
          }
          const written = await writeOutput(outFile, made.bytes, { force: flag(p, 'force') });
          const r = made.request;
          const human = [
            `Wrote the signing request ${r.requestId} to ${written}`,
            `  ${r.count.toLocaleString('en')} credential${r.count === 1 ? '' : 's'} of "${r.achievement.name}" (version ${r.achievement.version}) to be signed as ${r.issuer.name} (${r.issuer.id})`,
            `  batch ${made.prepared.batch.id}: awaiting signature`,
            `  fingerprint: ${fingerprint(r.digest.value)}  (the officer sees the same in 'laurel request review')`,
            ...made.superseded.map((s) => `  supersedes the earlier request ${s} (its bundle will be refused)`),
            `Next, on the signing machine: laurel request review ${shellWord(path.basename(written))}, then laurel request sign ${shellWord(path.basename(written))} --out <bundle file>`,
          ].join('\n');
          print(json, human, { file: written, requestId: r.requestId, digest: r.digest.value, fingerprint: fingerprint(r.digest.value), count: r.count, batch: made.prepared.batch, superseded: made.superseded });
          return 0;
        });
      },
    },
    'request review': {
      options: { all: { type: 'boolean' }, search: { type: 'string' }, show: { type: 'string' } },
      run: async (p, json) => {
        const file = positional(p, 'request file', 'laurel request review <request file>');
        const bytes = readFile(file, 'signing request');
        const show = str(p, 'show');
        return withStudio(p, async (studio) => {
          const review = studio.reviewSigningRequest(bytes);
          if (show !== undefined) {
            // Checked above; the credential is read from the very file that was checked.
            const item = (JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as SigningRequest).credentials.find((c) => String(c.seq) === show.trim());
            if (!item) throw new LaurelError('NOT_FOUND', `The request has no row ${show}; rows run from ${review.recipients[0]?.seq ?? 1} to ${review.recipients.at(-1)?.seq ?? 1}.`);
            print(json, `Row ${item.seq}, ${review.recipients.find((r) => r.seq === item.seq)?.label ?? ''}: the credential as it would be signed\n${JSON.stringify(item.credential, null, 2)}`, item);
            return 0;
          }
          print(json, `${formatReview(review, { all: flag(p, 'all'), ...(str(p, 'search') ? { search: str(p, 'search')! } : {}) })}\nApprove with: laurel request sign ${shellWord(path.basename(file))} --out <bundle file>   (or: laurel request reject ${shellWord(path.basename(file))} --reason <text>)`, review);
          return 0;
        });
      },
    },
    'request sign': {
      options: { out: { type: 'string' }, force: { type: 'boolean' }, 'accept-warnings': { type: 'boolean' } },
      run: async (p, json) => {
        const file = positional(p, 'request file', 'laurel request sign <request file> --out <bundle file>');
        const outFile = required(p, 'out', 'request sign');
        const bytes = readFile(file, 'signing request');
        return withStudio(p, async (studio) => {
          const review = studio.reviewSigningRequest(bytes);
          if (review.warnings.length && review.state !== 'approved' && !flag(p, 'accept-warnings')) {
            throw new LaurelError(
              'VALIDATION',
              `Nothing was signed: the review of request ${review.requestId} warns about:\n${review.warnings.map((w) => `  ! ${w.message}`).join('\n')}\nRead the review (laurel request review ${shellWord(path.basename(file))}); to sign anyway add --accept-warnings, or reject it (laurel request reject).`,
            );
          }
          const progress = json ? undefined : progressPrinter();
          let approved;
          try {
            approved = await studio.approveSigningRequest(bytes, {
              ...(progress ? { onProgress: (done: number, total: number) => progress.update({ batchId: '', done, total, signed: done, exported: 0, failed: 0, ratePerSec: 0, etaSeconds: null, phase: 'signing' }) } : {}),
            });
          } finally {
            progress?.end();
          }
          const written = await writeOutput(outFile, approved.bytes, { force: flag(p, 'force') });
          const b = approved.bundle;
          const human = [
            approved.again ? `Request ${b.request.requestId} was approved before (${b.signedAt}); wrote the same bundle again.` : `Approved request ${b.request.requestId}: signed ${b.credentials.length.toLocaleString('en')} credential${b.credentials.length === 1 ? '' : 's'} as ${approved.review.issuer.name}.`,
            `  bundle ${b.bundleId} written to ${written}`,
            `  audit entry #${b.audit.seq} (${b.audit.at}, ${b.audit.actor})`,
            `Next, on the preparing machine: laurel bundle import ${shellWord(path.basename(written))} --out <folder>`,
          ].join('\n');
          print(json, human, { file: written, bundleId: b.bundleId, requestId: b.request.requestId, count: b.credentials.length, again: approved.again, audit: b.audit });
          return 0;
        });
      },
    },
    'request list': {
      options: {},
      run: async (p, json) =>
        withStudio(p, async (studio) => {
          const r = studio.signingRequests();
          const WORDS: Record<string, string> = { 'awaiting-signature': 'awaiting signature', superseded: 'superseded', signed: 'signed (export not finished)', imported: 'imported', reviewed: 'opened, not decided', approved: 'approved', rejected: 'rejected' };
          const batchState = (id: string | null): string => {
            if (!id) return '';
            try {
              const b = studio.getBatch(id);
              return ` · batch ${b.id.slice(0, 8)}… ${b.achievement.name}: ${WORDS[b.signing ?? ''] ?? b.signing ?? b.state}`;
            } catch {
              return '';
            }
          };
          const lines = [`This workspace: ${r.workspace}`];
          lines.push(r.made.length ? 'Made here (preparer):' : 'Made here (preparer): none');
          for (const m of r.made) lines.push(`  ${m.createdAt}  ${m.requestId}  ${m.count} credential${m.count === 1 ? '' : 's'}, ${WORDS[m.state] ?? m.state}${m.state === 'superseded' ? '' : batchState(m.batchId)}`);
          lines.push(r.opened.length ? 'Opened here (signer):' : 'Opened here (signer): none');
          for (const o of r.opened) lines.push(`  ${o.createdAt}  ${o.requestId}  ${o.count} credential${o.count === 1 ? '' : 's'}, ${WORDS[o.state] ?? o.state}${o.note && o.state === 'rejected' ? ` (${o.note})` : ''}`);
          print(json, lines.join('\n'), r);
          return 0;
        }),
    },
    'request reject': {
      options: { reason: { type: 'string' } },
      run: async (p, json) => {
        const file = positional(p, 'request file', 'laurel request reject <request file> --reason <text>');
        const reason = required(p, 'reason', 'request reject');
        const bytes = readFile(file, 'signing request');
        return withStudio(p, async (studio) => {
          const r = studio.rejectSigningRequest(bytes, reason);
          print(json, `Rejected request ${r.requestId} (${reason}); nothing was signed. The rejection is in the audit log.`, r);
          return 0;
        });
      },
    },
    'bundle import': {
      options: { out: { type: 'string' }, format: { type: 'string' } },
      run: async (p, json) => {
        const file = positional(p, 'bundle file', 'laurel bundle import <bundle file> --out <folder>');
        const bytes = readFile(file, 'signed bundle');
        const formats = parseFormats(str(p, 'format'));
        return withStudio(p, async (studio) => {
          const progress = json ? undefined : progressPrinter();
          let r;
          try {
            r = await studio.importSignedBundle(bytes, { ...(str(p, 'out') ? { outDir: str(p, 'out')! } : {}), ...(formats ? { formats } : {}), ...(progress ? { onProgress: (x) => progress.update(x) } : {}) });
          } finally {
            progress?.end();
          }
          const s = r.summary;
          const human = [
            `Imported bundle ${r.bundleId} for request ${r.requestId}: ${r.imported.toLocaleString('en')} credential${r.imported === 1 ? '' : 's'}, every signature verified.`,
            `  signed by ${r.signerAudit.actor} at ${r.signerAudit.at} (signer's audit entry #${r.signerAudit.seq})`,
            `  batch ${r.batchId}: ${s.state === 'completed' ? 'imported' : s.state}; ${s.counts.exported.toLocaleString('en')} exported to ${s.outDir}`,
            `  also ${path.basename(s.manifest)} and ${path.basename(s.summaryCsv)}`,
          ].join('\n');
          print(json, human, r);
          return s.state === 'completed' ? 0 : 1;
        });
      },
    },
    'issuer export': {
      options: { out: { type: 'string' }, force: { type: 'boolean' } },
      run: async (p, json) => {
        const issuer = positional(p, 'issuer', 'laurel issuer export <id or name> --out <file>');
        const outFile = required(p, 'out', 'issuer export');
        return withStudio(p, async (studio) => {
          const r = studio.exportIssuer(issuer);
          const written = await writeOutput(outFile, r.bytes, { force: flag(p, 'force') });
          print(json, `Wrote ${r.issuerId} (public profile and public key; no private key) to ${written}\n  on the preparing machine: laurel issuer import ${shellWord(path.basename(written))}`, { file: written, issuerId: r.issuerId });
          return 0;
        });
      },
    },
    'issuer import': {
      options: {},
      run: async (p, json) => {
        const file = positional(p, 'issuer export', 'laurel issuer import <file>');
        const bytes = readFile(file, 'issuer export');
        return withStudio(p, async (studio) => {
          const r = studio.importIssuer(bytes);
          const what = { created: 'Imported', updated: 'Updated the profile of', unchanged: 'Already had' }[r.outcome];
          print(json, `${what} ${r.issuer.name} (${r.issuer.id}); its key stays on the signing machine.\n  make signing requests with: laurel request create --issuer ${r.issuer.id} …`, r);
          return 0;
        });
      },
    },
    'settings air-gapped': {
      options: {},
      run: async (p, json) => {
        const v = p.positionals[0];
        if (v !== undefined && v !== 'on' && v !== 'off') throw new LaurelError('INVALID_INPUT', `laurel settings air-gapped takes on or off (got '${v}').`);
        return withStudio(p, async (studio) => {
          const on = v === undefined ? studio.airGapped : studio.setAirGapped(v === 'on').airGapped;
          print(json, `Air-gapped mode is ${on ? 'on: this workspace refuses every network use' : 'off'}.`, { airGapped: on });
          return 0;
        });
      },
    },
  };
}
