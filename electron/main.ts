/**
 * The desktop shell: one window showing the built renderer from the laurel://app origin, the Studio
 * API answered over one IPC channel, native menus and dialogs. No business logic lives here.
 *
 * Security, following Electron's checklist: contextIsolation, sandbox, no nodeIntegration; a
 * strict CSP on every response; nothing loaded from anywhere but laurel://app (other requests are
 * cancelled); navigation, new windows, webviews, downloads and permission requests refused;
 * IPC answered only for our own top frame, with every argument validated by the contract; the
 * renderer sees file names and bytes the user chose, never paths.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, screen, session, shell, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { callStudio, SHELL_ARGS, SHELL_METHODS, STUDIO_METHODS, type CallOutcome, type ShellMethod, type StudioHost } from '../core/api/contract.ts';
import { Studio, type StudioOptions } from '../core/api/studio.ts';
import { MAX_FILE_BYTES, formatBytes, v } from '../core/api/validate.ts';
import { JobRunner, toWireError, type ShellEvent, type StudioEvent } from '../core/api/wire.ts';
import type { KeyStoreSpec } from '../core/keys/index.ts';
import { defaultUserDataDir } from '../core/store/index.ts';
import { LaurelError } from '../core/util/errors.ts';
import { atomicWrite } from '../core/util/fs.ts';
import { CONTENT_TYPES, CSP, SECURITY_HEADERS } from '../renderer/csp.ts';
import { loadWindowState, saveWindowState, type WindowState } from './window-state.ts';

const SCHEME = 'laurel';
const ORIGIN_HOST = 'app';
const START_URL = `${SCHEME}://${ORIGIN_HOST}/index.html`;

/** The repository (or packaged app) root: the folder whose package.json is laurel-studio. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'laurel-studio') return dir;
    } catch {
      // keep looking upwards
    }
    dir = path.dirname(dir);
  }
  return app.getAppPath();
}

const ROOT = findRoot();
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
process.env.LAUREL_RESOURCES ??= path.join(ROOT, 'resources');

// better-sqlite3 is a native module built for Node's ABI; Electron needs its own build of it.
// `npm start` prepares one and names it here, and this loads it in place of the Node build.
const sqliteBinding = process.env.LAUREL_SQLITE_BINDING;
if (sqliteBinding && existsSync(sqliteBinding)) {
  const dlopen = process.dlopen.bind(process);
  process.dlopen = ((module: object, filename: string, flags?: number) => {
    const file = filename.endsWith(`${path.sep}better_sqlite3.node`) ? sqliteBinding : filename;
    return flags === undefined ? dlopen(module, file) : dlopen(module, file, flags);
  }) as typeof process.dlopen;
}

// The same user-data folder the CLI uses ("Laurel Studio"), so both share the default workspace.
app.setName('Laurel Studio');
app.setPath('userData', defaultUserDataDir());

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

// ------------------------------------------------------------------ options and settings

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

interface Settings {
  workspace?: string;
}

const settingsFile = () => path.join(app.getPath('userData'), 'settings.json');

function loadSettings(): Settings {
  try {
    const s = JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings;
    return typeof s.workspace === 'string' ? { workspace: s.workspace } : {};
  } catch {
    return {};
  }
}

function studioOptions(workspace?: string): StudioOptions {
  const keystore = (argValue('--keystore') ?? process.env.LAUREL_KEYSTORE ?? 'keychain') as KeyStoreSpec;
  if (keystore !== 'keychain' && !keystore.startsWith('file:')) throw new LaurelError('INVALID_INPUT', `--keystore must be 'keychain' or 'file:<path>' (got '${keystore}').`);
  // An explicit --workspace or LAUREL_WORKSPACE wins over the folder last chosen in the app.
  const dir = workspace ?? argValue('--workspace') ?? process.env.LAUREL_WORKSPACE ?? loadSettings().workspace;
  return {
    ...(dir ? { workspace: dir } : {}),
    keystore,
    ...(process.env.LAUREL_KEY_PASSPHRASE ? { passphrase: process.env.LAUREL_KEY_PASSPHRASE } : {}),
    face: 'desktop',
  };
}

function logInternal(e: unknown): void {
  process.stderr.write(`laurel desktop: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
}

// ------------------------------------------------------------------ the window

let mainWindow: BrowserWindow | null = null;
let host: StudioHost | null = null;

function emit(event: StudioEvent): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send('studio:event', event);
}

function menuCommand(command: ShellEvent['command']): () => void {
  return () => emit({ type: 'menu', command });
}

function buildMenu(): Menu {
  const mac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Verify a File…', accelerator: 'CmdOrCtrl+O', click: menuCommand('open-verify') },
        { label: 'Issue a Credential', accelerator: 'CmdOrCtrl+N', click: menuCommand('go-issue') },
        { type: 'separator' },
        { label: mac ? 'Settings…' : 'Settings', accelerator: 'CmdOrCtrl+,', click: menuCommand('go-settings') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Verify a File…', click: menuCommand('go-verify') }],
    },
  ];
  return Menu.buildFromTemplate(template);
}

async function createWindow(): Promise<void> {
  const state = loadWindowState(app.getPath('userData'), screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 760,
    minHeight: 560,
    show: false,
    title: 'Laurel Studio',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111315' : '#f6f7f8',
    webPreferences: {
      preload: path.join(ROOT, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
      // The preload builds window.studio from this list: the contract's methods and the shell's.
      additionalArguments: [`--laurel-api=${[...STUDIO_METHODS, ...SHELL_METHODS].join(',')}`],
    },
  });
  mainWindow = win;
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  let last: WindowState = state;
  const remember = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    last = { width: b.width, height: b.height, x: b.x, y: b.y, maximized: win.isMaximized() };
  };
  win.on('resize', remember);
  win.on('move', remember);
  win.on('close', () => {
    remember();
    void saveWindowState(app.getPath('userData'), last).catch(() => undefined);
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  await win.loadURL(START_URL);
}

// ------------------------------------------------------------------ IPC

/** Only our own page, in the top frame of our window, may call the API. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || !mainWindow || mainWindow.isDestroyed() || frame !== mainWindow.webContents.mainFrame) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${SCHEME}:` && url.host === ORIGIN_HOST;
  } catch {
    return false;
  }
}

/** A file name the user may see and save under: no folders, no control characters. */
function safeFileName(name: string): string {
  return path.basename(name.replace(/[\\/]/g, '_')).replace(/[\u0000-\u001f<>:"|?*]/g, '_').slice(0, 200) || 'download';
}

const shellHandlers: { [M in ShellMethod]: (args: unknown) => Promise<unknown> } = {
  async pickFile(raw) {
    const a = SHELL_ARGS.pickFile(raw ?? {}, 'pickFile');
    const r = await dialog.showOpenDialog(mainWindow!, {
      ...(a.title ? { title: a.title } : {}),
      properties: ['openFile'],
      filters: a.extensions?.length ? [{ name: 'Supported files', extensions: a.extensions }, { name: 'All files', extensions: ['*'] }] : [],
    });
    const file = r.filePaths[0];
    if (r.canceled || !file) return null;
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) throw new LaurelError('INVALID_INPUT', `${path.basename(file)} is ${formatBytes(info.size)}; the studio takes files up to ${formatBytes(MAX_FILE_BYTES)}.`);
    const bytes = await readFile(file);
    return { name: path.basename(file), base64: bytes.toString('base64'), size: bytes.length };
  },

  async saveFile(raw) {
    const a = SHELL_ARGS.saveFile(raw, 'saveFile');
    if ((a.base64 === undefined) === (a.text === undefined)) throw new LaurelError('INVALID_INPUT', 'saveFile: give either base64 or text.');
    const data = a.base64 !== undefined ? v.base64()(a.base64, 'saveFile.base64') : Buffer.from(a.text!, 'utf8');
    const r = await dialog.showSaveDialog(mainWindow!, { defaultPath: path.join(app.getPath('downloads'), safeFileName(a.suggestedName)) });
    if (r.canceled || !r.filePath) return { saved: false };
    await atomicWrite(r.filePath, data, 0o644);
    return { saved: true, name: path.basename(r.filePath) };
  },

  async chooseWorkspace(raw) {
    SHELL_ARGS.chooseWorkspace(raw, 'chooseWorkspace');
    if (!host) throw new LaurelError('NOT_FOUND', 'No workspace is open.');
    if (host.jobs.active > 0) throw new LaurelError('CONFLICT', 'A job is still running in this workspace; wait for it or cancel it first.');
    const r = await dialog.showOpenDialog(mainWindow!, {
      title: 'Choose a workspace folder',
      buttonLabel: 'Use This Folder',
      properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
    });
    const dir = r.filePaths[0];
    if (r.canceled || !dir) return null;
    const next = Studio.open(studioOptions(dir)); // throws before anything changes if it can't open
    host.studio.close();
    host.studio = next;
    await atomicWrite(settingsFile(), JSON.stringify({ ...loadSettings(), workspace: next.workspaceDir }, null, 2) + '\n', 0o600);
    const info = await callStudio(host, 'workspaceInfo', {});
    return info.ok ? info.value : null;
  },

  async showFolder(raw) {
    const a = SHELL_ARGS.showFolder(raw, 'showFolder');
    if (!host) throw new LaurelError('NOT_FOUND', 'No workspace is open.');
    // The folder comes from the workspace (a batch's recorded export folder …), never from the page.
    const dir =
      a.what === 'batch' ? host.studio.getBatch(a.batchId).outDir : a.what === 'backups' ? path.join(host.studio.workspaceDir, 'backups') : host.studio.statusListsFolder(a.issuer);
    if (!existsSync(dir)) throw new LaurelError('NOT_FOUND', `${dir} does not exist (yet).`);
    const error = await shell.openPath(dir);
    if (error) throw new LaurelError('UNSUPPORTED', `The folder could not be opened: ${error}`);
    return { shown: true };
  },
};

async function answer(event: IpcMainInvokeEvent, name: unknown, args: unknown): Promise<CallOutcome> {
  if (!trustedSender(event)) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Refused: the call did not come from the Laurel Studio window.' } };
  if (typeof name === 'string' && (SHELL_METHODS as readonly string[]).includes(name)) {
    try {
      return { ok: true, value: await shellHandlers[name as ShellMethod](args) };
    } catch (e) {
      const error = toWireError(e);
      if (error.code === 'INTERNAL') logInternal(e);
      return { ok: false, error };
    }
  }
  if (!host) return { ok: false, error: { code: 'UNAVAILABLE', message: 'The workspace is not open.' } };
  return callStudio(host, name, args, logInternal);
}

// ------------------------------------------------------------------ lifecycle

function lockDown(): void {
  const ses = session.defaultSession;
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(RENDERER_DIR, rel);
    if (url.host !== ORIGIN_HOST || !file.startsWith(RENDERER_DIR + path.sep) || rel.split('/').some((p) => p.startsWith('.'))) {
      return new Response('Not found', { status: 404, headers: { ...SECURITY_HEADERS } });
    }
    try {
      const body = await readFile(file);
      return new Response(body, { headers: { ...SECURITY_HEADERS, 'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' } });
    } catch {
      return new Response('Not found', { status: 404, headers: { ...SECURITY_HEADERS } });
    }
  });
  // Nothing but our own origin (and images the page holds as data: URIs) is ever loaded.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(`${SCHEME}://${ORIGIN_HOST}/`) || details.url.startsWith('data:') || details.url.startsWith('devtools:');
    callback({ cancel: !ok });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links in credentials (sanitised to http/https/mailto) open in the user's browser.
    if (/^https?:\/\//i.test(url) || /^mailto:/i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  app.whenReady().then(async () => {
    lockDown();
    try {
      host = {
        studio: Studio.open(studioOptions()),
        jobs: new JobRunner(emit, logInternal),
        canSwitchWorkspace: true,
        // A host's consent page opens in the system browser (decisions §8), never in this window.
        openUrl: (url) => (/^https?:\/\//i.test(url) ? shell.openExternal(url) : undefined),
      };
    } catch (e) {
      const message = e instanceof LaurelError ? e.message : `${(e as Error).message}\n\n(If this mentions NODE_MODULE_VERSION, the database module was built for Node, not Electron: start the studio with npm start, which prepares it.)`;
      dialog.showErrorBox('Laurel Studio cannot open its workspace', message);
      app.exit(1);
      return;
    }
    ipcMain.handle('studio', answer);
    Menu.setApplicationMenu(buildMenu());
    await createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) void createWindow();
    });
  }, (e: unknown) => {
    logInternal(e);
    app.exit(1);
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    host?.studio.close();
    host = null;
  });
}
