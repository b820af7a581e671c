/**
 * `npm run studio:web`: starts the web shell and prints (and, unless --no-open, opens) its address.
 * Options as the CLI: --workspace / LAUREL_WORKSPACE, --keystore / LAUREL_KEYSTORE, with a key
 * file's passphrase from LAUREL_KEY_PASSPHRASE or asked for on the terminal.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { KeyStoreSpec } from '../core/keys/index.ts';
import { isLaurelError } from '../core/util/errors.ts';
import { passphrase } from '../cli/prompt.ts';
import { startWebShell, type WebShell } from './server.ts';

const HELP = `Usage: npm run studio:web -- [--port <n>] [--workspace <dir>] [--keystore keychain|file:<path>] [--no-open]

Serves Laurel Studio on 127.0.0.1 for a browser. The printed address carries a one-time key:
only a page opened from it can use the studio. Stop with Ctrl+C.`;

/** Opens the address in the default browser; a failure only means the user opens it by hand. */
export function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener on this machine: the printed address is enough
  }
}

export interface RunWebOptions {
  argv: string[];
  /** A line said before the address (npm start's fallback uses it). */
  preface?: string;
}

export async function runWeb({ argv, preface }: RunWebOptions): Promise<WebShell> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      workspace: { type: 'string' },
      keystore: { type: 'string' },
      'no-open': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    process.exit(0);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a number from 1 to 65535 (got '${values.port}').`);
  const keystore = (values.keystore ?? process.env.LAUREL_KEYSTORE ?? 'keychain') as KeyStoreSpec;
  if (keystore !== 'keychain' && !keystore.startsWith('file:')) throw new Error(`--keystore must be 'keychain' or 'file:<path>' (got '${keystore}').`);
  const pass = keystore.startsWith('file:') ? await passphrase('LAUREL_KEY_PASSPHRASE', 'Key file') : undefined;
  const shell = await startWebShell({
    port,
    keystore,
    ...(values.workspace ? { workspace: values.workspace } : {}),
    ...(pass ? { passphrase: pass } : {}),
  });
  if (preface) process.stdout.write(preface + '\n');
  process.stdout.write(`Laurel Studio is running at ${shell.url}\n  workspace: ${shell.studio.workspaceDir}\n  Stop it with Ctrl+C.\n`);
  if (!values['no-open']) openInBrowser(shell.url);
  const stop = () => {
    void shell.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return shell;
}

export function reportStartupError(e: unknown): void {
  process.stderr.write(`laurel studio: ${isLaurelError(e) ? e.message : (e as Error).message ?? String(e)}\n`);
  process.exitCode = 2;
}
