#!/usr/bin/env node
// `npm start`: builds the studio and opens the desktop app (Electron). Where the Electron binary is
// missing it runs Electron's installer once; if there is still no binary (no download possible,
// as on machines that only reach the npm registry) it says so in one line and serves the same
// studio to the browser instead (the web shell), printing its address. Options after `--` go to
// the app: --workspace <dir>, --keystore keychain|file:<path> (and, for the browser, --port, --no-open).
import { register } from 'tsx/esm/api';

register();
const { ensureRendererBuilt, buildElectron } = await import('./ui-build.ts');
const { electronBinary, fetchElectronOnce, runElectron, sqliteForElectron } = await import('./electron-runtime.ts');
const { runWeb, reportStartupError } = await import('../web/main.ts');

const say = (line) => process.stdout.write(line + '\n');
const argv = process.argv.slice(2);
const webOnly = new Set(['--port', '--no-open']);
const electronArgs = argv.filter((a, i) => !webOnly.has(a) && !(argv[i - 1] === '--port'));

try {
  await ensureRendererBuilt(say);

  let binary = electronBinary();
  let why = '';
  if (!binary) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) why = 'Electron is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set)';
    else why = `Electron is not installed and could not be downloaded (${(await fetchElectronOnce(say)) ?? 'no binary'})`;
    binary = electronBinary();
  }
  let env = { ...process.env };
  if (binary) {
    const sqlite = await sqliteForElectron(say);
    if ('error' in sqlite) {
      why = `Electron is installed but its database module could not be prepared (${sqlite.error})`;
      binary = null;
    } else {
      env = { ...env, LAUREL_SQLITE_BINDING: sqlite.binding };
      delete env.ELECTRON_RUN_AS_NODE;
    }
  }

  if (binary) {
    await buildElectron();
    process.exitCode = await runElectron(binary, electronArgs, env);
  } else {
    await runWeb({
      argv,
      preface: `${why}; starting Laurel Studio in your browser instead.`,
    });
  }
} catch (e) {
  reportStartupError(e);
}
