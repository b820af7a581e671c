/**
 * electron/main.ts under a recorded stand-in for Electron (test/electron/fake-electron.ts): the
 * window's security settings, the request filters and CSP, navigation and new-window refusal,
 * IPC answered only for our own frame with validated arguments, dialogs that hand over names and
 * bytes (never paths), workspace switching, menus and the remembered window size. What this can't
 * show is Electron itself running; docs/decisions.md §13 says how that is covered.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHELL_METHODS, STUDIO_METHODS } from '../../core/api/contract.ts';
import { ensureRendererBuilt, ROOT } from '../../scripts/ui-build.ts';
import { fake, type FakeBrowserWindow } from './fake-electron.ts';

vi.mock('electron', async () => await import('./fake-electron.ts'));

let scratch: string;
let binding: string;
let win: FakeBrowserWindow;

const call = (method: string, args: unknown, frame?: { url: string }) =>
  fake.ipcHandlers.get('studio')!({ senderFrame: frame ?? win.webContents.mainFrame, sender: win.webContents }, method, args) as Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>;

beforeAll(async () => {
  await ensureRendererBuilt();
  scratch = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'electron-main-'));
  mkdirSync(path.join(scratch, 'config'));
  process.env.XDG_CONFIG_HOME = path.join(scratch, 'config');
  process.env.LAUREL_WORKSPACE = path.join(scratch, 'ws');
  process.env.LAUREL_KEYSTORE = `file:${path.join(scratch, 'keys.laurel')}`;
  process.env.LAUREL_KEY_PASSPHRASE = 'electron-test';
  // Stands in for the Electron build of better-sqlite3 that npm start prepares.
  binding = path.join(scratch, 'electron-native', 'better_sqlite3.node');
  mkdirSync(path.dirname(binding));
  copyFileSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), binding);
  process.env.LAUREL_SQLITE_BINDING = binding;
  await import('../../electron/main.ts');
  fake.ready();
  await vi.waitFor(() => expect(fake.windows[0]?.loadedUrl ?? fake.errorBoxes).toBe('laurel://app/index.html'), { timeout: 10_000 });
  win = fake.windows[0]!;
}, 120_000);

afterAll(() => {
  fake.windows[0]?.emit('close');
  rmSync(scratch, { recursive: true, force: true });
});

describe('the desktop window', () => {
  it('isolates the page: contextIsolation, sandbox, no Node, no webviews, the preload with exactly the API', () => {
    const prefs = win.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, navigateOnDragDrop: false });
    expect(prefs.preload).toMatch(/dist[\\/]electron[\\/]preload\.cjs$/);
    expect(prefs.additionalArguments).toEqual([`--laurel-api=${[...STUDIO_METHODS, ...SHELL_METHODS].join(',')}`]);
    expect(fake.privileged).toEqual([{ scheme: 'laurel', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    // The CLI and the desktop app share the user-data folder (and so the default workspace).
    expect(fake.paths.get('userData')).toBe(path.join(scratch, 'config', 'Laurel Studio'));
  });

  it('loads the database module npm start prepared for Electron in place of the Node build', () => {
    // The workspace is open, and the native module mapped into this process is that copy.
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain(binding);
  });

  it('serves the built renderer from laurel://app with the CSP, and nothing else', async () => {
    const serve = fake.protocolHandlers.get('laurel')!;
    const index = await serve(new Request('laurel://app/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<div id="app">');
    for (const url of ['laurel://app/../package.json', 'laurel://app/%2e%2e/package.json', 'laurel://other/index.html', 'laurel://app/.built', 'laurel://app/missing.js']) {
      expect((await serve(new Request(url))).status, url).toBe(404);
    }
  });

  it('loads nothing from the network and puts the CSP on every response', () => {
    const decide = (url: string) => {
      let result: { cancel: boolean } | undefined;
      fake.beforeRequest!({ url }, (r: { cancel: boolean }) => (result = r));
      return result!.cancel;
    };
    expect(decide('laurel://app/assets/index.js')).toBe(false);
    expect(decide('data:image/png;base64,AAAA')).toBe(false);
    for (const url of ['https://evil.example/x.png', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'laurel://other/x']) expect(decide(url), url).toBe(true);
    let headers: Record<string, string[]> = {};
    fake.headersReceived!({ responseHeaders: { 'X-Other': ['1'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']![0]).toContain("default-src 'none'");
    let granted: boolean | undefined;
    fake.permissionRequest!({}, 'media', (g: boolean) => (granted = g));
    expect(granted).toBe(false);
    expect(fake.permissionCheck!()).toBe(false);
    const download = { prevented: false, preventDefault() { this.prevented = true; } };
    fake.sessionEvents.emit('will-download', download);
    expect(download.prevented).toBe(true);
  });

  it('blocks navigation and new windows; web links open in the browser', () => {
    const event = { prevented: false, preventDefault() { this.prevented = true; } };
    win.webContents.emit('will-navigate', event, 'https://evil.example/');
    expect(event.prevented).toBe(true);
    const webview = { prevented: false, preventDefault() { this.prevented = true; } };
    win.webContents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(win.webContents.openHandler!({ url: 'https://example.org/criteria' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://example.org/criteria']);
  });
});

describe('IPC', () => {
  it('answers our page and validates its arguments', async () => {
    const info = await call('workspaceInfo', {});
    expect(info).toMatchObject({ ok: true, value: { path: path.join(scratch, 'ws'), canSwitchWorkspace: true } });
    expect(await call('createIssuer', { name: '' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: 'createIssuer.name: must not be empty.' } });
    expect(await call('require', 'child_process')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it("opens a host's consent page in the system browser (shell.openExternal), not in the window", async () => {
    const { startTestHost } = await import('../host/server.ts');
    const host = await startTestHost();
    try {
      expect(await call('addHost', { url: host.url, name: 'electron-wallet' })).toMatchObject({ ok: true });
      const before = fake.opened.length;
      const r = await call('connectHost', { host: 'electron-wallet' });
      expect(r).toMatchObject({ ok: true, value: { opened: true } });
      expect(fake.opened.slice(before)).toEqual([r.value.authorizationUrl]);
      expect(r.value.authorizationUrl).toMatch(new RegExp(`^${host.url}/oauth/authorize\\?`));
      // Cancelled at once (before the job's wait began): the job still ends, and frees the port.
      expect(await call('cancelJob', { jobId: r.value.jobId })).toMatchObject({ ok: true, value: { cancelled: true } });
      await vi.waitFor(() => expect(win.webContents.sent.some(([, e]) => (e as { jobId?: string; type?: string }).jobId === r.value.jobId && (e as { type?: string }).type === 'cancelled')).toBe(true));
    } finally {
      await host.close();
    }
  });

  it('refuses calls from any other frame or origin', async () => {
    for (const frame of [{ url: 'laurel://app/index.html' }, { url: 'https://evil.example/' }]) {
      expect(await call('workspaceInfo', {}, frame)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    const original = win.webContents.mainFrame.url;
    win.webContents.mainFrame.url = 'https://evil.example/';
    expect(await call('workspaceInfo', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    win.webContents.mainFrame.url = original;
  });

  it('opens files through a dialog and hands over the name and bytes, not the path', async () => {
    const file = path.join(scratch, 'picked credential.json');
    writeFileSync(file, '{"hello":"world"}');
    fake.openDialog = { canceled: false, filePaths: [file] };
    const picked = await call('pickFile', { extensions: ['json'] });
    expect(picked).toEqual({ ok: true, value: { name: 'picked credential.json', base64: Buffer.from('{"hello":"world"}').toString('base64'), size: 17 } });
    expect(JSON.stringify(picked)).not.toContain(scratch);
    fake.openDialog = { canceled: true, filePaths: [] };
    expect(await call('pickFile', {})).toEqual({ ok: true, value: null });
    expect(await call('pickFile', { extensions: ['../x'] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('saves where the user chose and answers with the file name only', async () => {
    const target = path.join(scratch, 'out', 'jane.json');
    fake.saveDialog = { canceled: false, filePath: target };
    const saved = await call('saveFile', { suggestedName: '../../jane.json', text: '{"signed":true}', mediaType: 'application/json' });
    expect(saved).toEqual({ ok: true, value: { saved: true, name: 'jane.json' } });
    expect(readFileSync(target, 'utf8')).toBe('{"signed":true}');
    expect(await call('saveFile', { suggestedName: 'x', text: 'a', base64: 'YQ==' })).toMatchObject({ ok: false, error: { message: 'saveFile: give either base64 or text.' } });
    fake.saveDialog = { canceled: true, filePath: undefined };
    expect(await call('saveFile', { suggestedName: 'x.json', text: 'a' })).toEqual({ ok: true, value: { saved: false } });
  });

  it('switches to another workspace folder and remembers it', async () => {
    const other = path.join(scratch, 'other-ws');
    fake.openDialog = { canceled: false, filePaths: [other] };
    const r = await call('chooseWorkspace', {});
    expect(r).toMatchObject({ ok: true, value: { path: other, issuers: 0 } });
    expect(existsSync(path.join(other, 'workspace.sqlite'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(scratch, 'config', 'Laurel Studio', 'settings.json'), 'utf8'))).toEqual({ workspace: other });
    expect(await call('workspaceInfo', {})).toMatchObject({ ok: true, value: { path: other } });
  });
});

describe('menus and window state', () => {
  it('has the usual menus, and menu commands reach the page as events', () => {
    const template = fake.menuTemplate as { label?: string; role?: string; submenu?: { label?: string; accelerator?: string; role?: string; click?: () => void }[] }[];
    expect(template.map((m) => m.label ?? m.role)).toEqual(expect.arrayContaining(['&File', 'editMenu', '&View', 'windowMenu', 'help']));
    const file = template.find((m) => m.label === '&File')!.submenu!;
    const open = file.find((i) => i.accelerator === 'CmdOrCtrl+O')!;
    open.click!();
    expect(win.webContents.sent.at(-1)).toEqual(['studio:event', { type: 'menu', command: 'open-verify' }]);
    expect(file.some((i) => i.role === 'quit' || i.role === 'close')).toBe(true);
  });

  it('remembers the window size in userData/window-state.json', async () => {
    win.bounds = { x: 40, y: 50, width: 1111, height: 777 };
    win.emit('resize');
    win.emit('close');
    const file = path.join(scratch, 'config', 'Laurel Studio', 'window-state.json');
    await vi.waitFor(() => expect(existsSync(file)).toBe(true));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ width: 1111, height: 777, x: 40, y: 50, maximized: false });
  });
});
