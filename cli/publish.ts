// `laurel host add|connect|list|disconnect|push-profile` and `laurel publish`: publishing to hosts
// through the Open Badges 3.0 / CLR 2.0 API. Kept apart from main.ts, which wires them in.
import type { Studio } from '../core/api/index.ts';
import { reconnectOf, type HostView, type PublishProgress, type PublishSummary } from '../core/publish/index.ts';
import { LaurelError } from '../core/util/errors.ts';
import { required, str, type OptionSpec, type Parsed } from './args.ts';

type WithStudio = <T>(p: Parsed, fn: (studio: Studio) => Promise<T>) => Promise<T>;

export const PUBLISH_HELP: Record<string, string> = {
  'host add': `Usage: laurel host add <url> [--name <short name>]

Reads the host's Open Badges 3.0 / CLR 2.0 service description (<url>/ims/ob/v3p0/discovery) and
adds it to the workspace. Shows the host's name, terms of service and privacy policy: read them
before connecting. Nothing is registered with the host yet.
`,
  'host connect': `Usage: laurel host connect <name>

Registers Laurel Studio with the host (once), then prints the address of the host's consent page:
open it in your browser and approve. Laurel Studio waits for the browser to come back to
http://127.0.0.1:<port>/callback on this machine (the port is fixed; $LAUREL_CALLBACK_PORT changes
it before the first connect). The client secret and tokens go to the OS keychain (or, with
--keystore file:…, to an encrypted file beside the key file), never to the workspace.
`,
  'host list': `Usage: laurel host list

Lists the hosts: connected or not, when the access expires, what they granted, how many
credentials each holds (confirmed by reading them back).
`,
  'host disconnect': `Usage: laurel host disconnect <name>

Revokes Laurel Studio's tokens at the host (RFC 7009) and deletes them here. The registration is
kept, so connecting again only asks for your approval.
`,
  'host push-profile': `Usage: laurel host push-profile <name> --issuer <id or name> [--api ob|clr]

Sends the issuer's profile (as its credentials carry it) to the host (putProfile).
`,
  publish: `Usage: laurel publish --host <name> <credential id> ...
       laurel publish --host <name> --batch <batch id> [--format json|jwt]

Sends credentials to a connected host (upsertCredential), then reads them back (getCredentials):
a credential counts as published only when the host lists it. CLR credentials go to the host's
CLR API. Each credential is sent as stored: JSON, or with --format jwt its VC-JWT form.
Busy or failing hosts are retried (at most 3 attempts, honouring Retry-After). Every attempt is
recorded in the workspace. Ctrl-C stops after the current credential; the same command again
resumes without sending anything the host already holds.
Exit status: 0 all published, 1 some were not, 2 nothing could be done, 130 stopped.
`,
};

function hostLines(h: HostView): string {
  const apis = h.apis.map((a) => `${a.api === 'ob' ? 'Open Badges 3.0' : 'CLR 2.0'}${a.usable ? '' : ` (not usable: ${a.note})`}`).join(', ');
  const lines = [`${h.name}: ${h.title}`, `  address:  ${h.baseUrl}`, `  offers:   ${apis}`, `  terms:    ${h.termsUrl}`, `  privacy:  ${h.privacyUrl}`];
  if (h.connected) {
    lines.push(`  status:   connected${h.tokenExpiresAt ? `, access until ${h.tokenExpiresAt}` : ''}`);
    lines.push(`  granted:  ${h.grantedScopes.join(' ') || '(nothing)'}`);
  } else {
    lines.push(`  status:   ${h.state === 'needs-reconnect' ? 'access withdrawn by the host; connect again' : h.registered ? 'registered, not connected' : 'not connected'}`);
  }
  if (h.secretsKept) lines.push(`  secrets:  ${h.secretsKept}`);
  lines.push(`  holds:    ${h.published} credential(s) published from this workspace`);
  return lines.join('\n');
}

/** Progress on stderr: one line rewritten on a terminal, a plain line now and then otherwise. */
function progressLine(): { update: (p: PublishProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (!tty && now - last < 3000 && p.done < p.total) return;
      last = now;
      const text = `${p.phase === 'reading-back' ? 'Reading back' : p.phase === 'checking' ? 'Checking the host' : 'Sending'}: ${p.done}/${p.total} (${p.published} published, ${p.failed} failed)`;
      if (tty) process.stderr.write(`\r${text}\x1b[K`);
      else process.stderr.write(`${text}\n`);
      shown = true;
    },
    end: () => {
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

function summaryText(s: PublishSummary): string {
  const lines = [
    `${s.host}: ${s.published} published${s.alreadyPublished ? `, ${s.alreadyPublished} already there` : ''}${s.sent ? `, ${s.sent} sent but not confirmed` : ''}${s.failed ? `, ${s.failed} failed` : ''}${s.notAttempted ? `, ${s.notAttempted} not sent` : ''} (of ${s.total})${s.withheld ? `; ${s.withheld} revoked or suspended left out` : ''}`,
  ];
  for (const i of s.items) {
    if (i.outcome === 'published' || i.outcome === 'already-published') continue;
    lines.push(`  ${i.outcome.toUpperCase()} ${i.credentialId}${i.httpStatus ? ` (HTTP ${i.httpStatus})` : ''}${i.message ? `: ${i.message}` : ''}`);
  }
  return lines.join('\n');
}

export function publishCommands(withStudio: WithStudio, print: (json: boolean, human: string, data: unknown) => void): Record<string, { options: OptionSpec; run: (p: Parsed, json: boolean) => Promise<number> }> {
  const one = (p: Parsed, what: string): string => {
    const v = p.positionals[0];
    if (!v) throw new LaurelError('INVALID_INPUT', `Which host? laurel ${what} <name>`);
    if (p.positionals.length > 1) throw new LaurelError('INVALID_INPUT', `laurel ${what} takes one host.`);
    return v;
  };
  return {
    'host add': {
      options: { name: { type: 'string' } },
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const url = p.positionals[0];
          if (!url) throw new LaurelError('INVALID_INPUT', 'Which host? laurel host add <url>');
          const h = await studio.addHost(url, str(p, 'name') ? { name: str(p, 'name')! } : {});
          print(json, `${hostLines(h)}\n\nRead the host's terms and privacy policy above. To let Laurel Studio publish there:\n  laurel host connect ${h.name}`, h);
          return 0;
        }),
    },
    'host list': {
      options: {},
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const hosts = studio.listHosts();
          print(json, hosts.length ? hosts.map(hostLines).join('\n\n') : 'No hosts yet. Add one: laurel host add <url>', hosts);
          return 0;
        }),
    },
    'host connect': {
      options: {},
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const name = one(p, 'host connect');
          const controller = new AbortController();
          const onSigint = () => controller.abort();
          process.on('SIGINT', onSigint);
          try {
            const h = await studio.connectHost(name, {
              signal: controller.signal,
              // The CLI can't open a browser everywhere (SSH, containers): it prints the address.
              openUrl: (url) => {
                process.stderr.write(`Open this address in your browser and approve Laurel Studio there:\n\n  ${url}\n\nWaiting for the approval (Ctrl-C to stop)…\n`);
              },
            });
            print(json, `Connected to ${h.title}.\n  granted: ${h.grantedScopes.join(' ')}${h.tokenExpiresAt ? `\n  access until ${h.tokenExpiresAt} (renewed automatically)` : ''}\n  secrets: ${h.secretsKept ?? ''}`, h);
            return 0;
          } finally {
            process.off('SIGINT', onSigint);
          }
        }),
    },
    'host disconnect': {
      options: {},
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const r = await studio.disconnectHost(one(p, 'host disconnect'));
          print(json, r.message, r);
          return 0;
        }),
    },
    'host push-profile': {
      options: { issuer: { type: 'string' }, api: { type: 'string' } },
      run: (p, json) =>
        withStudio(p, async (studio) => {
          const api = str(p, 'api');
          if (api !== undefined && api !== 'ob' && api !== 'clr') throw new LaurelError('INVALID_INPUT', `--api must be ob or clr (got '${api}').`);
          const r = await studio.pushProfile({ host: one(p, 'host push-profile'), issuer: required(p, 'issuer', 'host push-profile'), ...(api ? { api } : {}) });
          print(json, `Profile sent to ${r.host} (${r.outcome}, HTTP ${r.httpStatus}).`, r);
          return 0;
        }),
    },
    publish: {
      options: { host: { type: 'string' }, batch: { type: 'string' }, format: { type: 'string' } },
      run: (p, json) => {
        const host = required(p, 'host', 'publish');
        const batchId = str(p, 'batch');
        const format = str(p, 'format');
        if (format !== undefined && format !== 'json' && format !== 'jwt') throw new LaurelError('INVALID_INPUT', `--format must be json or jwt (got '${format}').`);
        const ids = [...p.positionals];
        if (batchId === undefined && !ids.length) throw new LaurelError('INVALID_INPUT', 'Which credentials? laurel publish --host <name> <credential id> ... | --batch <batch id>');
        if (batchId !== undefined && ids.length) throw new LaurelError('INVALID_INPUT', 'Give credential ids or --batch, not both.');
        return withStudio(p, async (studio) => {
          const controller = new AbortController();
          const onSigint = () => {
            process.stderr.write('\nStopping after the current credential… (the same command resumes)\n');
            controller.abort();
          };
          process.on('SIGINT', onSigint);
          const progress = progressLine();
          let summary: PublishSummary;
          try {
            summary = await studio.publish(
              { host, ...(batchId ? { batchId } : { credentialIds: ids }), ...(format ? { format } : {}) },
              {
                signal: controller.signal,
                ...(json ? {} : { onProgress: (x: PublishProgress) => progress.update(x) }),
                authorize: (url) => {
                  process.stderr.write(`\n${host} needs your approval again. Open this address in your browser:\n\n  ${url}\n\n`);
                },
              },
            );
          } finally {
            progress.end();
            process.off('SIGINT', onSigint);
          }
          print(json, summaryText(summary), summary);
          if (summary.stopped) process.stderr.write(`laurel: ${summary.stopped.message}${connectHint(summary.stopped)}\n`);
          if (summary.cancelled) {
            process.stderr.write('Stopped. Run the same command again to send the rest.\n');
            return 130;
          }
          return summary.published + summary.alreadyPublished === summary.total ? 0 : 1;
        });
      },
    },
  };
}

/** The CLI's way to act on an error that connecting again fixes (core messages don't name a face's command). */
export function connectHint(details: unknown): string {
  const r = reconnectOf(details);
  return r ? ` Run: laurel host connect ${r.host}` : '';
}
