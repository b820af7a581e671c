import { existsSync, readFileSync } from 'node:fs';
import { Studio, writeOutput, type IssuerIdChoice, type IssuerView } from '../core/api/index.ts';
import { isKeyAlgorithm, type KeyAlgorithm, type KeyStoreSpec } from '../core/keys/index.ts';
import { describeVerdict, exitCodeOf, remoteCacheDir, verifyCredential, type VerificationReport } from '../core/verify/index.ts';
import { resolveWorkspaceDir, workspaceDirAirGapped } from '../core/store/index.ts';
import { LaurelError, isLaurelError } from '../core/util/errors.ts';
import { flag, list, parse, required, shellWord, str, type OptionSpec, type Parsed } from './args.ts';
import { passphrase } from './prompt.ts';
import { PUBLISH_HELP, connectHint, publishCommands } from './publish.ts';
import { ENDORSE_GROUPS, ENDORSE_HELP, endorseCommands } from './endorse.ts';
import { AIRGAP_GROUPS, AIRGAP_HELP, airgapCommands } from './airgap.ts';
import { CLR_GROUPS, CLR_HELP, clrCommands } from './clr.ts';
import { BAKE_HELP, ISSUE_ROSTER_HELP, ISSUE_ROSTER_OPTIONS, UNBAKE_HELP, bake, issueRoster, unbake } from './batch.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const GLOBAL_HELP = `Global options:
  --workspace <dir>     workspace folder (default: $LAUREL_WORKSPACE, else the user-data folder)
  --keystore <spec>     'keychain' (default) or 'file:<path>' (passphrase in $LAUREL_KEY_PASSPHRASE)
  --json                machine-readable output
  -h, --help            help for a command`;

const HELP: Record<string, string> = {
  '': `laurel ${VERSION}: design, sign and verify Open Badges 3.0 credentials, offline.

Usage: laurel <command> [options]

Commands:
  issuer create     create an issuer profile and its signing key
  issuer list       list the workspace's issuers
  issue             sign one credential, or one for every learner of a roster (--roster)
  bake <file>       bake a signed credential into a PNG or SVG badge image
  unbake <image>    read the credential baked into a PNG or SVG
  verify <file|url> verify a credential (JSON, VC-JWT, baked PNG or SVG; a URL with --online)
  keys backup       write a passphrase-encrypted backup of issuer keys
  keys restore      restore keys from such a backup
  issuer set-status-url   where an issuer's status lists will be hosted (makes credentials revocable)
  revoke <id>       revoke a credential (permanent)
  suspend <id>      suspend a credential that has a suspension entry
  reinstate <id>    lift a suspension
  status-list export      sign and write an issuer's status lists, for upload
  host add <url>    add a host (wallet, backpack) that takes credentials through the OB/CLR API
  host connect <name>     register with the host and approve Laurel Studio in the browser
  host list         hosts, their access and what they hold
  host disconnect <name>  revoke the host's tokens and forget them
  host push-profile <name> --issuer <id>   send an issuer's profile to the host
  publish --host <name> <ids…> | --batch <id>    send credentials to a host and read them back
  framework import <file>     import a skill framework (CASE 1.1 JSON or a CSV of competencies)
  framework export <id>       write a framework as a CASE 1.1 package
  framework list    the workspace's skill frameworks
  clr create        sign a Comprehensive Learner Record (CLR 2.0) bundling a learner's credentials
  clr batch         one CLR per learner of a roster
  endorse <file>    endorse someone else's credential, achievement or profile (signs an EndorsementCredential)
  endorsement attach <file>   attach an endorsement you received to your achievement or issuer
  endorsement list|detach     endorsements attached to your achievements and issuers
  upgrade <file|url>          re-issue an Open Badges 2.0 badge as an Open Badges 3.0 credential
  request create    (preparer) write a signing request for a roster, to be signed on an air-gapped machine
  request review <file>   (signer) check a signing request and show what would be signed
  request sign <file>     (signer) approve: sign with the keychain key, write the signed bundle
  request reject <file>   (signer) reject a signing request
  request list      signing requests made and opened here, with their batches' states
  bundle import <file>    (preparer) verify a signed bundle against its request, store and export it
  issuer export <id>      write an issuer without its private key, for the preparing machine
  issuer import <file>    import such an issuer (to prepare signing requests for it)
  settings air-gapped [on|off]   refuse every network use in this workspace

${GLOBAL_HELP}

Run 'laurel <command> --help' for a command's options.`,
  'issuer create': `Usage: laurel issuer create --name <name> [--url <url>] [--email <email>] [--description <text>]
                            [--image <url or data: URI>] [--key ed25519|p256|rsa]
                            [--did key|web:<host>[:path]|url:<https-id>]

Creates an issuer profile with a new signing key in the key store and prints its id.
  --key   ed25519 (default; signs eddsa-rdfc-2022 JSON), p256 (ecdsa-rdfc-2019 JSON or ES256 JWT),
          rsa (RS256 JWT only)
  --did   key (default): did:key, needs no server
          web:<host>[:path]: did:web; writes the did.json you must host and says where
          url:<https-id>: an https issuer id; the key is named <id>#<publicKeyMultibase>

${GLOBAL_HELP}`,
  'issuer list': `Usage: laurel issuer list

Lists the issuers of the workspace, with their key type and where the key lives.

${GLOBAL_HELP}`,
  issue: `Usage: laurel issue --issuer <id or name> --achievement <achievement.json> --recipient <email or DID>
                   [--name <learner name>] [--format json|jwt] [--valid-from <date-time>]
                   [--valid-until <date-time>] [--allow-eddsa-jwt] --out <file> [--force]

Signs one OB 3.0 credential, stores it in the workspace and writes it to --out.
  --achievement   an OB 3.0 Achievement JSON object (id, name, description, criteria, …)
  --recipient     an e-mail address (stored as a salted SHA-256 hash) or a DID / https URL
  --format        json (Data Integrity proof, default) or jwt (VC-JWT: ES256 or RS256)
  --force         replace --out if it exists

${ISSUE_ROSTER_HELP}
${GLOBAL_HELP}`,
  bake: `${BAKE_HELP}
${GLOBAL_HELP}`,
  unbake: `${UNBAKE_HELP}
${GLOBAL_HELP}`,
  verify: `Usage: laurel verify <file|url> [--online] [--recipient <email or id>] [--status-list <list file> ...] [--json]

Verifies a credential: an Open Badges 3.0 credential, a CLR 2.0 record (and every credential in
it), or an endorsement, as JSON, a VC-JWT or a baked PNG/SVG badge, and prints one line per check.
Offline by default: nothing is fetched.
  --online        fetch what the check needs: the credential itself when given a URL, the
                  issuer's did:web or key documents (a copy is kept in the workspace and used
                  later when offline, with its date), status lists, and a newer version from
                  the issuer's refresh service
  --recipient     also check the credential was issued to this e-mail address or identifier
  --status-list   a copy of the credential's status list (a signed BitstringStatusListCredential
                  or a 1EdTech revocation list JSON file); without one, and offline, a credential
                  that has a credentialStatus is reported as "could not check"
Exit status: 0 every check passed, 1 a check failed, 3 none failed but one could not be checked,
2 the input is unusable.

${GLOBAL_HELP}`,
  'issuer set-status-url': `Usage: laurel issuer set-status-url --issuer <id or name> --url <https folder URL>

Sets where the issuer's status lists will be hosted, e.g. https://badges.example.org/status.
Credentials the issuer signs from then on carry a revocation entry (a W3C Bitstring Status List
entry) pointing at a list file under that URL; credentials signed before carry none and can't be
revoked. Export the lists with 'laurel status-list export' and upload them there.

${GLOBAL_HELP}`,
  revoke: `Usage: laurel revoke <credential id> [--reason <text>]

Revokes a credential issued from this workspace: sets its bit in the issuer's status list and
records the reason in the audit log. Revocation is permanent. Verifiers see it once you export
the lists again ('laurel status-list export') and upload them.

${GLOBAL_HELP}`,
  suspend: `Usage: laurel suspend <credential id> [--reason <text>]

Suspends a credential that carries a suspension entry. Open Badges 3.0 credentials carry one
status entry, for revocation (the OB schema allows a single credentialStatus), so they can be
revoked but not suspended.

${GLOBAL_HELP}`,
  reinstate: `Usage: laurel reinstate <credential id> [--reason <text>]

Lifts a suspension. A revoked credential stays revoked.

${GLOBAL_HELP}`,
  'status-list export': `Usage: laurel status-list export --issuer <id or name> --out <folder> [--valid-until <date-time>]

Signs each of the issuer's status lists (BitstringStatusListCredential) with its key and writes
them to --out, replacing earlier exports. Upload each file to the URL printed next to it.
  --valid-until   make the lists expire (verifiers then need a fresh export after that date)

${GLOBAL_HELP}`,
  'keys backup': `Usage: laurel keys backup --out <file> [--issuer <id or name> ...] [--force]

Writes a passphrase-encrypted backup (scrypt + AES-256-GCM) of the issuers' private keys (all
issuers when none is named). The passphrase comes from $LAUREL_BACKUP_PASSPHRASE or is asked for.

${GLOBAL_HELP}`,
  'keys restore': `Usage: laurel keys restore <backup file> [--overwrite]

Restores keys from a backup into the key store (--keystore). The passphrase comes from
$LAUREL_BACKUP_PASSPHRASE or is asked for. A key that exists with different material is refused
unless --overwrite.

${GLOBAL_HELP}`,
};

type Out = { json: boolean };

function print(out: Out, human: string, data: unknown): void {
  process.stdout.write(out.json ? JSON.stringify(data, null, 2) + '\n' : human + (human.endsWith('\n') ? '' : '\n'));
}

async function openStudio(p: Parsed): Promise<Studio> {
  const keystore = (str(p, 'keystore') ?? process.env.LAUREL_KEYSTORE ?? 'keychain') as KeyStoreSpec;
  if (keystore !== 'keychain' && !keystore.startsWith('file:')) {
    throw new LaurelError('INVALID_INPUT', `--keystore must be 'keychain' or 'file:<path>' (got '${keystore}').`);
  }
  const workspace = str(p, 'workspace');
  return Studio.open({
    ...(workspace ? { workspace } : {}),
    keystore,
    ...(process.env.LAUREL_KEY_PASSPHRASE ? { passphrase: process.env.LAUREL_KEY_PASSPHRASE } : {}),
    ...(process.env.LAUREL_CALLBACK_PORT ? { publishing: { callbackPort: callbackPort(process.env.LAUREL_CALLBACK_PORT) } } : {}),
    face: 'cli',
  });
}

/** $LAUREL_CALLBACK_PORT: the loopback port hosts redirect to (publishing). */
function callbackPort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n > 65535) throw new LaurelError('INVALID_INPUT', `LAUREL_CALLBACK_PORT must be a port number from 1024 to 65535 (got '${v}').`);
  return n;
}

async function withStudio<T>(p: Parsed, fn: (s: Studio) => Promise<T>): Promise<T> {
  const studio = await openStudio(p);
  try {
    return await fn(studio);
  } finally {
    studio.close();
  }
}

function parseKey(v: string | undefined): KeyAlgorithm {
  const map: Record<string, KeyAlgorithm> = { ed25519: 'Ed25519', p256: 'P-256', 'p-256': 'P-256', rsa: 'RSA-2048', 'rsa-2048': 'RSA-2048' };
  if (v === undefined) return 'Ed25519';
  const k = map[v.toLowerCase()] ?? v;
  if (!isKeyAlgorithm(k)) throw new LaurelError('INVALID_INPUT', `--key must be ed25519, p256 or rsa (got '${v}').`);
  return k;
}

function parseDidChoice(v: string | undefined): IssuerIdChoice {
  if (v === undefined || v === 'key') return { method: 'key' };
  if (v.startsWith('web:')) return { method: 'web', did: v.startsWith('web:did:web:') ? v.slice(4) : `did:web:${v.slice(4)}` };
  if (v.startsWith('did:web:')) return { method: 'web', did: v };
  if (v.startsWith('url:')) return { method: 'url', id: v.slice(4) };
  throw new LaurelError('INVALID_INPUT', `--did must be key, web:<host>[:path] or url:<https-id> (got '${v}').`);
}

function describeIssuer(i: IssuerView): string {
  return `${i.name}\n  id:   ${i.id}\n  key:  ${i.keyAlgorithm}, ${i.verificationMethod}\n  kept: ${i.keyLocation}`;
}

function readInputFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new LaurelError('INVALID_INPUT', `Cannot read the ${what} ${file}: ${why}.`);
  }
}

function readJsonFile(file: string, what: string): unknown {
  const text = readInputFile(file, what).toString('utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `The ${what} ${file} is not valid JSON: ${(e as Error).message}.`);
  }
}

const STATUS_MARK = { passed: 'PASS', failed: 'FAIL', unknown: ' ?? ', 'not-applicable': ' -- ' } as const;

const HEADLINE: Record<ReturnType<typeof describeVerdict>, string> = {
  valid: 'VALID',
  invalid: 'NOT VALID',
  revoked: 'NOT VALID (revoked by its issuer)',
  suspended: 'NOT VALID (suspended by its issuer)',
  expired: 'NOT VALID (expired)',
  'not-yet-valid': 'NOT VALID (not valid yet)',
  'could-not-check': 'COULD NOT BE FULLY CHECKED',
};

export function formatReport(file: string, r: VerificationReport, indent = ''): string {
  const s = r.summary;
  const described = describeVerdict(r);
  const head = r.kind === 'ob2' ? 'AN OPEN BADGES 2.0 BADGE (not checked)' : HEADLINE[described];
  const lines = [`${indent}${file}: ${head}`];
  if (s.achievementName || s.issuerName || s.issuerId) {
    lines.push(`${indent}  ${s.kind ?? 'credential'}: ${s.achievementName ?? '(no name)'}${s.issuerName || s.issuerId ? `, issued by ${s.issuerName ?? ''}${s.issuerName && s.issuerId ? ' ' : ''}${s.issuerId ? `(${s.issuerId})` : ''}` : ''}`);
  }
  if (s.recipient) lines.push(`${indent}  to: ${s.recipient}`);
  if (s.validFrom) lines.push(`${indent}  valid from ${s.validFrom}${s.validUntil ? ` until ${s.validUntil}` : ''}`);
  for (const c of r.checks) lines.push(`${indent}  [${STATUS_MARK[c.status]}] ${c.label}: ${c.reason}${c.warning ? ' (warning)' : ''}`);
  if (r.kind === 'ob2' && !indent && !/BadgeClass|issuer profile/.test(r.checks[0]?.reason ?? '')) {
    lines.push(`  To re-issue it as Open Badges 3.0: laurel upgrade ${shellWord(file)} --issuer <id or name> --out <file.json|.jwt|.png|.svg> [--online]`);
  }
  // One line per endorsement and per bundled credential; --json has their full reports.
  for (const e of r.endorsements ?? []) lines.push(`${indent}  endorsement ${e.path} by ${e.endorser ?? '(unnamed)'}: ${e.outcome}`);
  for (const [i, inner] of (r.inner ?? []).entries()) lines.push(formatReport(`credential ${i + 1} in the record`, inner, `${indent}  `));
  return lines.join('\n');
}

const COMMANDS: Record<string, { options: OptionSpec; run: (p: Parsed, out: Out) => Promise<number> }> = {
  'issuer create': {
    options: {
      name: { type: 'string' },
      url: { type: 'string' },
      email: { type: 'string' },
      description: { type: 'string' },
      image: { type: 'string' },
      key: { type: 'string' },
      did: { type: 'string' },
    },
    run: (p, out) =>
      withStudio(p, async (studio) => {
        const input = {
          name: required(p, 'name', 'issuer create'),
          key: parseKey(str(p, 'key')),
          id: parseDidChoice(str(p, 'did')),
          ...(str(p, 'url') ? { url: str(p, 'url')! } : {}),
          ...(str(p, 'email') ? { email: str(p, 'email')! } : {}),
          ...(str(p, 'description') ? { description: str(p, 'description')! } : {}),
          ...(str(p, 'image') ? { image: str(p, 'image')! } : {}),
        };
        const issuer = await studio.createIssuer(input);
        let human = issuer.id;
        if (process.stdout.isTTY) human = `Created issuer ${describeIssuer(issuer)}`;
        if (issuer.didDocument) {
          human += `\n\nUpload ${issuer.didDocument.path}\n  so that it is served at ${issuer.didDocument.hostAt}\n  (credentials from this issuer verify only once it is there).`;
        }
        print(out, human, issuer);
        return 0;
      }),
  },
  'issuer list': {
    options: {},
    run: (p, out) =>
      withStudio(p, async (studio) => {
        const issuers = studio.listIssuers();
        const human = issuers.length ? issuers.map(describeIssuer).join('\n\n') : 'No issuers yet. Create one: laurel issuer create --name "<organisation>"';
        print(out, human, issuers);
        return 0;
      }),
  },
  issue: {
    options: {
      issuer: { type: 'string' },
      achievement: { type: 'string' },
      recipient: { type: 'string' },
      name: { type: 'string' },
      format: { type: 'string' },
      'valid-from': { type: 'string' },
      'valid-until': { type: 'string' },
      'allow-eddsa-jwt': { type: 'boolean' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      ...ISSUE_ROSTER_OPTIONS,
    },
    run: async (p, out) => {
      if (str(p, 'roster') !== undefined) return issueRoster(p, out.json, (fn) => withStudio(p, fn));
      const issuerArg = required(p, 'issuer', 'issue');
      const achievementFile = required(p, 'achievement', 'issue');
      const recipient = required(p, 'recipient', 'issue');
      const outFile = required(p, 'out', 'issue');
      // Never a JSON credential in a file named like an image (a wallet would read it as a broken picture).
      if (/\.(png|svg)$/i.test(outFile)) {
        throw new LaurelError('INVALID_INPUT', `--out ${outFile}: one credential is written as .json or .jwt; to hand out a badge image, write the .json, then: laurel bake <file.json> --image <badge.png|svg> --out ${outFile}`);
      }
      const format = str(p, 'format') ?? 'json';
      if (format !== 'json' && format !== 'jwt') throw new LaurelError('INVALID_INPUT', `--format must be json or jwt (got '${format}'); batches with baked images come with --roster.`);
      const achievement = readJsonFile(achievementFile, 'achievement file');
      return withStudio(p, async (studio) => {
        const issued = await studio.issueCredential({
          issuer: issuerArg,
          achievement,
          recipient,
          format,
          ...(str(p, 'name') ? { name: str(p, 'name')! } : {}),
          ...(str(p, 'valid-from') ? { validFrom: str(p, 'valid-from')! } : {}),
          ...(str(p, 'valid-until') ? { validUntil: str(p, 'valid-until')! } : {}),
          allowEdDSA: flag(p, 'allow-eddsa-jwt'),
        }).catch((e: unknown) => {
          if (isLaurelError(e) && e.code === 'VALIDATION' && e.message.startsWith('The achievement')) {
            throw new LaurelError('VALIDATION', `${achievementFile}: ${e.message}`);
          }
          if (isLaurelError(e) && e.code === 'UNSUPPORTED') throw new LaurelError('UNSUPPORTED', e.message.replace('pass allowEdDSA', 'add --allow-eddsa-jwt'));
          throw e;
        });
        const written = await writeOutput(outFile, issued.body, { force: flag(p, 'force') });
        const { body: _b, ...meta } = issued;
        print(out, `Signed ${issued.credentialId} (${issued.format}) for ${recipient}\n  written to ${written}`, { ...meta, file: written });
        return 0;
      });
    },
  },
  bake: { options: { image: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } }, run: (p, out) => bake(p, out.json) },
  unbake: { options: { out: { type: 'string' }, force: { type: 'boolean' } }, run: (p, out) => unbake(p, out.json) },
  verify: {
    options: { 'status-list': { type: 'string', multiple: true }, online: { type: 'boolean' }, recipient: { type: 'string' } },
    run: async (p, out) => {
      const file = p.positionals[0];
      if (!file) throw new LaurelError('INVALID_INPUT', 'Which file? laurel verify <file|url>');
      if (p.positionals.length > 1) throw new LaurelError('INVALID_INPUT', 'laurel verify takes one file at a time.');
      const statusListFiles = readStatusLists(list(p, 'status-list'));
      const recipient = str(p, 'recipient');
      const isUrl = /^https?:\/\//i.test(file) && !existsSync(file);
      if (flag(p, 'online') && (await workspaceDirAirGapped(resolveWorkspaceDir(str(p, 'workspace'))))) {
        throw new LaurelError('NETWORK_REFUSED', 'Air-gapped mode is on in this workspace: nothing is fetched, so --online is refused (laurel settings air-gapped off to allow it).');
      }
      const report = await verifyCredential(isUrl ? file : readInputFile(file, 'file'), {
        ...(statusListFiles.size ? { statusListFiles } : {}),
        ...(flag(p, 'online') ? { online: true } : {}),
        ...(recipient !== undefined ? { recipient: { identifier: recipient } } : {}),
        // Saved copies of issuers' key documents live in the workspace; reading them opens no database.
        cacheDir: remoteCacheDir(resolveWorkspaceDir(str(p, 'workspace'))),
      });
      print(out, formatReport(file, report), report);
      return exitCodeOf(report);
    },
  },
  'issuer set-status-url': {
    options: { issuer: { type: 'string' }, url: { type: 'string' } },
    run: (p, out) =>
      withStudio(p, async (studio) => {
        const r = studio.setStatusListUrl(required(p, 'issuer', 'issuer set-status-url'), required(p, 'url', 'issuer set-status-url'));
        print(out, `Status lists of ${r.issuerId} will be hosted under ${r.baseUrl}/\n  credentials issued from now on can be revoked; publish with: laurel status-list export --issuer ${r.issuerId} --out <folder>`, r);
        return 0;
      }),
  },
  revoke: statusCommand('revoke'),
  suspend: statusCommand('suspend'),
  reinstate: statusCommand('reinstate'),
  'status-list export': {
    options: { issuer: { type: 'string' }, out: { type: 'string' }, 'valid-until': { type: 'string' } },
    run: (p, out) =>
      withStudio(p, async (studio) => {
        const issuer = required(p, 'issuer', 'status-list export');
        const dir = required(p, 'out', 'status-list export');
        const written = await studio.exportStatusLists(issuer, dir, str(p, 'valid-until') ? { validUntil: str(p, 'valid-until')! } : {});
        const human = written.length
          ? written.map((w) => `Wrote ${w.file} (${w.purpose}: ${w.set} of ${w.allocated} entries set)\n  upload it to ${w.hostAt}`).join('\n')
          : 'No status lists yet: they are created when the issuer signs its first credential after laurel issuer set-status-url.';
        print(out, human, written.map(({ credential: _c, ...w }) => w));
        return 0;
      }),
  },
  'keys backup': {
    options: { out: { type: 'string' }, issuer: { type: 'string', multiple: true }, force: { type: 'boolean' } },
    run: async (p, out) => {
      const outFile = required(p, 'out', 'keys backup');
      return withStudio(p, async (studio) => {
        const pass = await passphrase('LAUREL_BACKUP_PASSPHRASE', 'Backup', { confirm: true });
        const { bytes, issuers } = await studio.backupKeys(list(p, 'issuer'), pass);
        const written = await writeOutput(outFile, bytes, { force: flag(p, 'force') });
        print(out, `Backed up the keys of ${issuers.length} issuer(s) to ${written} (encrypted with your passphrase).`, { file: written, issuers });
        return 0;
      });
    },
  },
  'keys restore': {
    options: { overwrite: { type: 'boolean' } },
    run: async (p, out) => {
      const file = p.positionals[0];
      if (!file) throw new LaurelError('INVALID_INPUT', 'Which backup? laurel keys restore <file>');
      const bytes = readInputFile(file, 'backup');
      return withStudio(p, async (studio) => {
        const pass = await passphrase('LAUREL_BACKUP_PASSPHRASE', 'Backup');
        const r = await studio.restoreKeys(bytes, pass, { overwrite: flag(p, 'overwrite') });
        print(out, `Restored ${r.imported.length} key(s)${r.replaced.length ? `, replaced ${r.replaced.length}` : ''}${r.unchanged.length ? `, ${r.unchanged.length} already present` : ''} into ${studio.keystoreSpec === 'keychain' ? 'the OS keychain' : studio.keystoreSpec.slice(5)}.`, r);
        return 0;
      });
    },
  },
};

// Publishing to hosts (cli/publish.ts): same command shape, output through print().
for (const [name, cmd] of Object.entries(publishCommands(withStudio, (json, human, data) => print({ json }, human, data)))) {
  COMMANDS[name] = { options: cmd.options, run: (p, out) => cmd.run(p, out.json) };
  HELP[name] = `${PUBLISH_HELP[name]}\n${GLOBAL_HELP}`;
}

// Air-gapped signing (cli/airgap.ts): same command shape, output through print().
for (const [name, cmd] of Object.entries(airgapCommands(withStudio, (json, human, data) => print({ json }, human, data)))) {
  COMMANDS[name] = { options: cmd.options, run: (p, out) => cmd.run(p, out.json) };
  HELP[name] = `${AIRGAP_HELP[name]}\n${GLOBAL_HELP}`;
}

// Endorsements and OB 2.0 upgrades (cli/endorse.ts): same command shape, output through print().
for (const [name, cmd] of Object.entries(endorseCommands(withStudio, (json, human, data) => print({ json }, human, data)))) {
  COMMANDS[name] = { options: cmd.options, run: (p, out) => cmd.run(p, out.json) };
  HELP[name] = `${ENDORSE_HELP[name]}\n${GLOBAL_HELP}`;
}

// Skill frameworks and CLR 2.0 records (cli/clr.ts): same command shape, output through print().
for (const [name, cmd] of Object.entries(clrCommands(withStudio, (json, human, data) => print({ json }, human, data)))) {
  COMMANDS[name] = { options: cmd.options, run: (p, out) => cmd.run(p, out.json) };
  HELP[name] = `${CLR_HELP[name]}\n${GLOBAL_HELP}`;
}

const GROUPS = new Set(['issuer', 'keys', 'status-list', 'host', ...AIRGAP_GROUPS, ...ENDORSE_GROUPS, ...CLR_GROUPS]);

/** revoke / suspend / reinstate <credential id> [--reason <text>]. */
function statusCommand(verb: 'revoke' | 'suspend' | 'reinstate'): { options: OptionSpec; run: (p: Parsed, out: Out) => Promise<number> } {
  return {
    options: { reason: { type: 'string' } },
    run: (p, out) => {
      const id = p.positionals[0];
      if (!id) throw new LaurelError('INVALID_INPUT', `Which credential? laurel ${verb} <credential id>`);
      if (p.positionals.length > 1) throw new LaurelError('INVALID_INPUT', `laurel ${verb} takes one credential id at a time.`);
      return withStudio(p, async (studio) => {
        const change = studio[verb](id, str(p, 'reason'));
        const done = { revoke: 'Revoked', suspend: 'Suspended', reinstate: 'Reinstated' }[verb];
        const human = change.changed
          ? `${done} ${change.credentialId}.${change.lists.length ? `\n  Verifiers see it once you publish: laurel status-list export --issuer ${change.issuerId} --out <folder>, then upload ${change.lists.join(', ')}` : ''}`
          : `${change.credentialId} was already ${change.status}; nothing changed.`;
        print(out, human, change);
        return 0;
      });
    },
  };
}

/** `--status-list` files, by the list URL each one says it is (its id). */
function readStatusLists(files: string[]): Map<string, unknown> {
  const lists = new Map<string, unknown>();
  for (const f of files) {
    const doc = readJsonFile(f, 'status list file');
    const id = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || !id) throw new LaurelError('INVALID_INPUT', `The status list file ${f} has no id (the list's URL), so it can't be matched to a credential.`);
    lists.set(id, doc);
  }
  return lists;
}

/** Lets global options stand before the command too: `laurel --workspace w issuer list`. */
function hoistGlobals(argv: string[]): string[] {
  const globals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--json') globals.push(a), i++;
    else if (a === '--workspace' || a === '--keystore') globals.push(a, argv[i + 1] ?? ''), (i += 2);
    else if (a.startsWith('--workspace=') || a.startsWith('--keystore=')) globals.push(a), i++;
    else break;
  }
  return [...argv.slice(i), ...globals];
}

export async function main(rawArgv: string[]): Promise<number> {
  const argv = hoistGlobals(rawArgv);
  const json = argv.includes('--json');
  const out: Out = { json };
  let name = '';
  let rest = argv;
  const first = argv[0];
  if (first && !first.startsWith('-')) {
    if (GROUPS.has(first)) {
      const sub = argv[1];
      name = sub && !sub.startsWith('-') ? `${first} ${sub}` : first;
      rest = argv.slice(sub && !sub.startsWith('-') ? 2 : 1);
    } else {
      name = first;
      rest = argv.slice(1);
    }
  }
  try {
    if (name === '' || GROUPS.has(name)) {
      if (argv.includes('--version')) {
        process.stdout.write(`${VERSION}\n`);
        return 0;
      }
      const help = HELP[''];
      if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write(help + '\n');
        return 0;
      }
      throw new LaurelError('INVALID_INPUT', name ? `'laurel ${name}' needs a subcommand (see: laurel --help)` : `unknown option ${argv[0]} (see: laurel --help)`);
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new LaurelError('INVALID_INPUT', `unknown command '${name}' (see: laurel --help)`);
    const parsed = parse(rest, cmd.options, name);
    if (flag(parsed, 'help')) {
      process.stdout.write((HELP[name] ?? HELP['']) + '\n');
      return 0;
    }
    return await cmd.run(parsed, out);
  } catch (e) {
    if (isLaurelError(e)) {
      if (json) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message + connectHint(e.details) } }, null, 2) + '\n');
      else process.stderr.write(`laurel: ${e.message}${connectHint(e.details)}\n`);
      return 2;
    }
    // A bug, not a user error: say so, and show the stack only when asked.
    process.stderr.write(`laurel: internal error: ${(e as Error).message ?? String(e)}\n`);
    if (process.env.LAUREL_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    else process.stderr.write('  (set LAUREL_DEBUG=1 for details)\n');
    return 70;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
