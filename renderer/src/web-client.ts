// window.studio for the web shell: the same interface the Electron preload exposes, over
// fetch (POST /api/<method>) and EventSource (GET /api/events). The page learns the per-launch
// token from its address fragment (#token=…), keeps it for this tab only and removes it from the
// address bar; it goes out only in the Authorization header.
import type { Outcome, StudioBridge, StudioEvent, WireError } from '../../core/api/contract.ts';
import { base64ToBytes, readFile } from './lib/files.ts';

const TOKEN_KEY = 'laurel-token';

function takeToken(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]{20,200})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]!);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const fail = (error: WireError): Outcome<never> => ({ ok: false, error });

async function post(token: string, name: string, args: unknown): Promise<Outcome<unknown>> {
  let res: Response;
  try {
    res = await fetch(`./api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(args ?? {}),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return fail({ code: 'UNAVAILABLE', message: 'The studio is not answering: is `npm run studio:web` still running?' });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return fail({ code: 'INTERNAL', message: `The studio answered ${res.status} without a readable body.` });
  }
  if (res.ok) return { ok: true, value: body };
  const error = (body as { error?: WireError }).error;
  return fail(error && typeof error.message === 'string' ? error : { code: 'INTERNAL', message: `The studio answered ${res.status}.` });
}

/** A hidden file input, clicked: resolves with the file, or null when the dialog is cancelled. */
function pickFile(extensions?: string[]): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    if (extensions?.length) input.accept = extensions.map((e) => `.${e}`).join(',');
    input.hidden = true;
    input.addEventListener('change', () => {
      resolve(input.files?.[0] ?? null);
      input.remove();
    });
    input.addEventListener('cancel', () => {
      resolve(null);
      input.remove();
    });
    document.body.append(input);
    input.click();
  });
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Installs window.studio unless a shell already did (Electron's preload runs first). Returns false
 * when the page has no token, i.e. it was not opened from the address the studio printed.
 */
export async function installWebClient(): Promise<boolean> {
  if (window.studio) return true;
  const token = takeToken();
  const listeners = new Set<(e: StudioEvent) => void>();
  let methods: string[] = [];
  if (token) {
    const session = await post(token, 'session', {});
    if (session.ok) methods = (session.value as { methods?: string[] }).methods ?? [];
    else if (session.error.code === 'UNAUTHORIZED') sessionStorage.removeItem(TOKEN_KEY);
  }
  const bridge: Record<string, unknown> = {};
  for (const m of methods) bridge[m] = (args?: unknown) => post(token!, m, args);

  bridge.pickFile = async (args?: { extensions?: string[] }) => {
    const file = await pickFile(args?.extensions);
    if (!file) return { ok: true, value: null };
    try {
      return { ok: true, value: await readFile(file) };
    } catch (e) {
      return fail({ code: 'INVALID_INPUT', message: (e as Error).message });
    }
  };
  bridge.saveFile = async (args: { suggestedName: string; base64?: string; text?: string; mediaType?: string }) => {
    const type = args.mediaType ?? 'application/octet-stream';
    const blob = args.base64 !== undefined ? new Blob([base64ToBytes(args.base64) as BlobPart], { type }) : new Blob([args.text ?? ''], { type });
    // The browser decides where downloads go; the page only knows it handed the file over.
    download(args.suggestedName, blob);
    return { ok: true, value: { saved: true, name: args.suggestedName } };
  };
  bridge.chooseWorkspace = async () =>
    fail({ code: 'UNSUPPORTED', message: 'In the browser the workspace is chosen when the studio starts: npm run studio:web -- --workspace <folder>.' });
  bridge.showFolder = async () =>
    fail({ code: 'UNSUPPORTED', message: 'The browser cannot open folders on this computer: use the file list to download, or open the folder from your file manager.' });
  bridge.onEvent = (listener: (e: StudioEvent) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  if (methods.length) {
    // The session call above set an HttpOnly cookie that this stream presents.
    const events = new EventSource('./api/events');
    events.onmessage = (m) => {
      let event: StudioEvent;
      try {
        event = JSON.parse(m.data as string) as StudioEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
  }
  window.studio = Object.freeze(bridge) as unknown as StudioBridge;
  return methods.length > 0;
}
