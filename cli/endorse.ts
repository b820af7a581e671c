// `laurel endorse`, `laurel upgrade` and `laurel endorsement attach|list|detach`: endorsing others'
// badges, upgrading OB 2.0 badges, and endorsements received for our achievements and profiles.
// Kept apart from main.ts, which wires them in.
import { existsSync } from 'node:fs';
import { writeOutput, type Studio } from '../core/api/index.ts';
import { fileFormatOf, type EndorsePart, type SignedFileFormat } from '../core/endorse/index.ts';
import type { ReceivedEndorsement } from '../core/store/index.ts';
import { LaurelError } from '../core/util/errors.ts';
import { flag, required, str, type OptionSpec, type Parsed } from './args.ts';
import { readFile } from './batch.ts';

type WithStudio = <T>(p: Parsed, fn: (studio: Studio) => Promise<T>) => Promise<T>;
type Print = (json: boolean, human: string, data: unknown) => void;

export const ENDORSE_GROUPS = ['endorsement'];

export const ENDORSE_HELP: Record<string, string> = {
  endorse: `Usage: laurel endorse <credential|achievement|profile file> --issuer <id or name>
                     (--comment <markdown> | --comment-file <file.md>) --out <file>
                     [--part credential|achievement|issuer] [--format json|jwt|png|svg]
                     [--name <title>] [--image <badge.png|svg>] [--valid-until <date-time>]
                     [--online] [--force]

Endorses something of someone else's: signs an EndorsementCredential with one of your issuers
whose subject is the endorsed thing's id and whose endorsementComment is your Markdown text.
  <file>          a credential (OB 3.0, CLR 2.0, endorsement; JSON, VC-JWT or baked PNG/SVG),
                  which must verify first, or an OB 3.0 Achievement or issuer Profile JSON file
  --part          of a credential, endorse its achievement or its issuer instead of the credential
  --format        json, jwt, png or svg (default: from --out's extension); an image is the default
                  badge with the endorsement baked in, or --image
  --online        fetch what verifying the credential needs (issuer keys, status lists)
The endorsement is stored in the workspace with an audit entry.
`,
  upgrade: `Usage: laurel upgrade <OB 2.0 file, baked PNG/SVG, or URL> --issuer <id or name> --out <file>
                     [--format json|jwt|png|svg] [--image <badge.png|svg>] [--online]
                     [--allow-unverified] [--force]

Re-issues an Open Badges 2.0 badge as an Open Badges 3.0 credential by one of your issuers:
BadgeClass → Achievement (the original issuer as its creator, 'related' pointing at the
BadgeClass), recipient → IdentityObject (the hash and salt kept, so the same e-mail still
matches), evidence carried over plus an evidence item for the original assertion, issuedOn →
validFrom and awardedDate, expires → validUntil.
  --online            check it first: a hosted badge against the copy at its address, a signed
                      one against its issuer's key and revocation list; fetch a badge class or
                      issuer given only as an address
  --allow-unverified  re-issue a badge that could not be checked (offline) on your own authority
  --format            default: from --out's extension; a baked badge is re-baked into its own image
Revoked, expired and tampered badges are refused.
`,
  'endorsement attach': `Usage: laurel endorsement attach <endorsement file> (--achievement <id> | --issuer <id or name>) [--online]

Attaches an endorsement you received (an EndorsementCredential as JSON, VC-JWT or baked image) to
one of your achievements or issuers. It must verify and endorse exactly that achievement or issuer.
Credentials issued from then on embed it: JSON endorsements in every credential, VC-JWT
endorsements (endorsementJwt) only in credentials signed as VC-JWT.
`,
  'endorsement list': `Usage: laurel endorsement list [--achievement <id> | --issuer <id or name>] [--all]

Lists the endorsements attached to your achievements and issuers (--all: detached ones too).
`,
  'endorsement detach': `Usage: laurel endorsement detach <number>

Stops embedding a received endorsement (the number from 'laurel endorsement list'). Credentials
already issued keep it.
`,
};

function one(p: Parsed, usage: string): string {
  const v = p.positionals[0];
  if (!v) throw new LaurelError('INVALID_INPUT', `Which file? ${usage}`);
  if (p.positionals.length > 1) throw new LaurelError('INVALID_INPUT', `${usage.split(' <')[0]} takes one file at a time.`);
  return v;
}

function outFormat(p: Parsed, out: string): SignedFileFormat {
  const given = str(p, 'format');
  if (given !== undefined) {
    if (!['json', 'jwt', 'png', 'svg'].includes(given)) throw new LaurelError('INVALID_INPUT', `--format must be json, jwt, png or svg (got '${given}').`);
    return given as SignedFileFormat;
  }
  const f = fileFormatOf(out);
  if (!f) throw new LaurelError('INVALID_INPUT', `Can't tell the format from --out ${out}: end it in .json, .jwt, .png or .svg, or give --format.`);
  return f;
}

function part(p: Parsed): EndorsePart | undefined {
  const v = str(p, 'part');
  if (v === undefined) return undefined;
  if (v !== 'credential' && v !== 'achievement' && v !== 'issuer') throw new LaurelError('INVALID_INPUT', `--part must be credential, achievement or issuer (got '${v}').`);
  return v;
}

function endorsementLine(e: ReceivedEndorsement): string {
  const comment = e.comment ? `\n    "${e.comment.length > 160 ? `${e.comment.slice(0, 157)}…` : e.comment}"` : '';
  return `#${e.rowId} ${e.targetKind} ${e.targetId}\n    by ${e.endorserName ?? e.endorserId} (${e.endorserId}), ${e.format === 'json' ? 'JSON' : 'VC-JWT'}, ${e.detachedAt ? `detached ${e.detachedAt}` : 'attached'}${e.validUntil ? `, valid until ${e.validUntil}` : ''}${comment}`;
}

export function endorseCommands(withStudio: WithStudio, print: Print): Record<string, { options: OptionSpec; run: (p: Parsed, json: boolean) => Promise<number> }> {
  return {
    endorse: {
      options: {
        issuer: { type: 'string' },
        comment: { type: 'string' },
        'comment-file': { type: 'string' },
        part: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        name: { type: 'string' },
        image: { type: 'string' },
        'valid-until': { type: 'string' },
        online: { type: 'boolean' },
        force: { type: 'boolean' },
        'allow-eddsa-jwt': { type: 'boolean' },
      },
      run: async (p, json) => {
        const file = one(p, 'laurel endorse <file> --issuer <id> --comment <markdown> --out <file>');
        const issuer = required(p, 'issuer', 'endorse');
        const out = required(p, 'out', 'endorse');
        const commentFile = str(p, 'comment-file');
        if (commentFile !== undefined && str(p, 'comment') !== undefined) throw new LaurelError('INVALID_INPUT', 'Give --comment or --comment-file, not both.');
        const comment = commentFile !== undefined ? readFile(commentFile, 'comment file').toString('utf8').replace(/^\uFEFF/, '') : required(p, 'comment', 'endorse');
        const format = outFormat(p, out);
        const source = readFile(file, 'file to endorse');
        const image = str(p, 'image') ? readFile(str(p, 'image')!, 'badge image') : undefined;
        return withStudio(p, async (studio) => {
          const r = await studio.endorse({
            source,
            issuer,
            comment,
            format,
            ...(part(p) ? { part: part(p)! } : {}),
            ...(str(p, 'name') ? { name: str(p, 'name')! } : {}),
            ...(image ? { image } : {}),
            ...(str(p, 'valid-until') ? { validUntil: str(p, 'valid-until')! } : {}),
            ...(flag(p, 'online') ? { online: true } : {}),
            ...(flag(p, 'allow-eddsa-jwt') ? { allowEdDSA: true } : {}),
          });
          const written = await writeOutput(out, r.file.bytes, { force: flag(p, 'force') });
          const { body: _b, file: _f, ...meta } = r;
          const what = `${r.endorses.kind} ${r.endorses.name ? `"${r.endorses.name}" ` : ''}(${r.endorses.id})`;
          const human = [`Endorsed the ${what}`, `  endorsement ${r.credentialId} (${r.format === 'json' ? 'Data Integrity proof' : 'VC-JWT'}), signed by ${r.issuerId}`, `  written to ${written}`, ...r.warnings.map((w) => `  note: ${w}`)].join('\n');
          print(json, human, { ...meta, file: written });
          return 0;
        });
      },
    },
    upgrade: {
      options: {
        issuer: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        image: { type: 'string' },
        online: { type: 'boolean' },
        'allow-unverified': { type: 'boolean' },
        force: { type: 'boolean' },
        'allow-eddsa-jwt': { type: 'boolean' },
      },
      run: async (p, json) => {
        const file = one(p, 'laurel upgrade <file|url> --issuer <id> --out <file>');
        const issuer = required(p, 'issuer', 'upgrade');
        const out = required(p, 'out', 'upgrade');
        const format = outFormat(p, out);
        const isUrl = /^https?:\/\//i.test(file) && !existsSync(file);
        const source: Uint8Array | string = isUrl ? file : readFile(file, 'badge');
        const image = str(p, 'image') ? readFile(str(p, 'image')!, 'badge image') : undefined;
        return withStudio(p, async (studio) => {
          const r = await studio.upgradeBadge({
            source,
            issuer,
            format,
            ...(image ? { image } : {}),
            ...(flag(p, 'online') ? { online: true } : {}),
            ...(flag(p, 'allow-unverified') ? { allowUnverified: true } : {}),
            ...(flag(p, 'allow-eddsa-jwt') ? { allowEdDSA: true } : {}),
          });
          const written = await writeOutput(out, r.file.bytes, { force: flag(p, 'force') });
          const { body: _b, file: _f, ...meta } = r;
          const v = r.original.verification;
          const human = [
            `Upgraded "${r.achievement.name}" from ${r.original.issuer.name ?? r.original.issuer.id ?? 'its issuer'} to Open Badges 3.0`,
            `  original: ${r.original.assertionId ?? '(no id)'}, ${v.status === 'passed' ? `checked: ${v.reason}` : `NOT checked: ${v.reason}`}`,
            `  re-issued as ${r.credentialId} (${r.format === 'json' ? 'Data Integrity proof' : 'VC-JWT'}) by ${r.issuerId}`,
            `  written to ${written}`,
            ...(r.earlier.length ? [`  note: this badge was upgraded before in this workspace (${r.earlier.length} time${r.earlier.length === 1 ? '' : 's'})`] : []),
            ...r.notes.map((n) => `  note: ${n}`),
          ].join('\n');
          print(json, human, { ...meta, file: written });
          return 0;
        });
      },
    },
    'endorsement attach': {
      options: { achievement: { type: 'string' }, issuer: { type: 'string' }, online: { type: 'boolean' } },
      run: async (p, json) => {
        const file = one(p, 'laurel endorsement attach <file> (--achievement <id> | --issuer <id>)');
        const source = readFile(file, 'endorsement');
        return withStudio(p, async (studio) => {
          const r = await studio.attachEndorsement({
            source,
            ...(str(p, 'achievement') !== undefined ? { achievement: str(p, 'achievement')! } : {}),
            ...(str(p, 'issuer') !== undefined ? { issuer: str(p, 'issuer')! } : {}),
            ...(flag(p, 'online') ? { online: true } : {}),
          });
          const where = r.embeddedIn === 'all-credentials' ? 'every credential issued from now on' : 'credentials issued as VC-JWT from now on (a Data Integrity proof cannot cover endorsementJwt: the signing context does not define it)';
          const said = { attached: 'Attached', 'already-attached': 'Already attached:', 're-attached': 'Attached again:' }[r.outcome];
          const { body: _b, ...endorsement } = r.endorsement;
          print(json, [`${said} ${endorsementLine(r.endorsement)}`, `  embedded in ${where}`, ...r.warnings.map((w) => `  note: ${w}`)].join('\n'), { ...r, endorsement });
          return 0;
        });
      },
    },
    'endorsement list': {
      options: { achievement: { type: 'string' }, issuer: { type: 'string' }, all: { type: 'boolean' } },
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const rows = studio.listReceivedEndorsements({
            ...(str(p, 'achievement') !== undefined ? { achievement: str(p, 'achievement')! } : {}),
            ...(str(p, 'issuer') !== undefined ? { issuer: str(p, 'issuer')! } : {}),
            ...(flag(p, 'all') ? { all: true } : {}),
          });
          print(json, rows.length ? rows.map(endorsementLine).join('\n') : 'No endorsements attached. Attach one: laurel endorsement attach <file> --achievement <id>', rows.map(({ body: _b, ...r }) => r));
          return 0;
        }),
    },
    'endorsement detach': {
      options: {},
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const n = Number(one(p, 'laurel endorsement detach <number>').replace(/^#/, ''));
          const r = studio.detachEndorsement(n);
          const { body: _b, ...row } = r;
          print(json, `Detached ${endorsementLine(r)}\n  credentials issued from now on no longer embed it.`, row);
          return 0;
        }),
    },
  };
}
