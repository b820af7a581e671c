/**
 * Just enough of Electron's main-process API to run electron/main.ts in Node: every call is
 * recorded, so the tests can check the window's settings, the request filters and the IPC
 * answers without the Electron binary (which can't be downloaded on these machines).
 */
type Listener = (...args: any[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, fn: Listener) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener) {
    return this.on(name, fn);
  }
  emit(name: string, ...args: unknown[]) {
    for (const fn of this.listeners.get(name) ?? []) fn(...args);
  }
}

export const fake = {
  privileged: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  ipcHandlers: new Map<string, Listener>(),
  windows: [] as FakeBrowserWindow[],
  paths: new Map<string, string>([['downloads', '/nonexistent-downloads']]),
  beforeRequest: undefined as Listener | undefined,
  headersReceived: undefined as Listener | undefined,
  permissionRequest: undefined as Listener | undefined,
  permissionCheck: undefined as Listener | undefined,
  sessionEvents: new Emitter(),
  menuTemplate: undefined as unknown,
  opened: [] as string[],
  errorBoxes: [] as string[][],
  exitCode: undefined as number | undefined,
  openDialog: { canceled: true, filePaths: [] as string[] },
  saveDialog: { canceled: true, filePath: undefined as string | undefined },
  ready: undefined as unknown as () => void,
};

const readyPromise = new Promise<void>((resolve) => (fake.ready = resolve));

class FakeApp extends Emitter {
  name = 'electron';
  isPackaged = false;
  setName(n: string) {
    this.name = n;
  }
  setPath(name: string, value: string) {
    fake.paths.set(name, value);
  }
  getPath(name: string) {
    return fake.paths.get(name) ?? `/nonexistent-${name}`;
  }
  getAppPath() {
    return process.cwd();
  }
  whenReady() {
    return readyPromise;
  }
  requestSingleInstanceLock() {
    return true;
  }
  quit() {}
  exit(code: number) {
    fake.exitCode = code;
  }
}
export const app = new FakeApp();

export class FakeWebContents extends Emitter {
  readonly sent: [string, unknown][] = [];
  readonly mainFrame = { url: '', parent: null };
  openHandler: Listener | undefined;
  send(channel: string, data: unknown) {
    this.sent.push([channel, data]);
  }
  setWindowOpenHandler(fn: Listener) {
    this.openHandler = fn;
  }
}

export class FakeBrowserWindow extends Emitter {
  static getAllWindows() {
    return fake.windows;
  }
  readonly webContents = new FakeWebContents();
  loadedUrl = '';
  maximized = false;
  destroyed = false;
  bounds = { x: 10, y: 20, width: 0, height: 0 };
  readonly options: { width: number; height: number; x?: number; y?: number; webPreferences: Record<string, unknown> };
  constructor(options: FakeBrowserWindow['options']) {
    super();
    this.options = options;
    this.bounds = { x: options.x ?? 10, y: options.y ?? 20, width: options.width, height: options.height };
    fake.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string) {
    this.loadedUrl = url;
    this.webContents.mainFrame.url = url;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return this.bounds;
  }
  show() {}
  focus() {}
  restore() {}
}
export { FakeBrowserWindow as BrowserWindow };

export const ipcMain = {
  handle(channel: string, fn: Listener) {
    fake.ipcHandlers.set(channel, fn);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]) {
    fake.privileged.push(...schemes);
  },
  handle(scheme: string, fn: (request: Request) => Promise<Response>) {
    fake.protocolHandlers.set(scheme, fn);
  },
};

export const session = {
  defaultSession: {
    webRequest: {
      onBeforeRequest(fn: Listener) {
        fake.beforeRequest = fn;
      },
      onHeadersReceived(fn: Listener) {
        fake.headersReceived = fn;
      },
    },
    setPermissionRequestHandler(fn: Listener) {
      fake.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn: Listener) {
      fake.permissionCheck = fn;
    },
    on(name: string, fn: Listener) {
      fake.sessionEvents.on(name, fn);
    },
  },
};

export const dialog = {
  async showOpenDialog() {
    return fake.openDialog;
  },
  async showSaveDialog() {
    return fake.saveDialog;
  },
  showErrorBox(title: string, content: string) {
    fake.errorBoxes.push([title, content]);
  },
};

export const Menu = {
  buildFromTemplate(template: unknown) {
    fake.menuTemplate = template;
    return { template };
  },
  setApplicationMenu() {},
};

export const shell = {
  async openExternal(url: string) {
    fake.opened.push(url);
  },
};

export const nativeTheme = { shouldUseDarkColors: false };
export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };

export default { app, BrowserWindow: FakeBrowserWindow, ipcMain, protocol, session, dialog, Menu, shell, nativeTheme, screen };
