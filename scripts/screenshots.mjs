#!/usr/bin/env node
// `npm run screenshots`: runs the browser tests with LAUREL_SCREENSHOTS=docs, so they replace the
// committed screenshots in docs/screenshots/ (every screen, light and dark). Look at them before
// committing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const test = fileURLToPath(new URL('./test.mjs', import.meta.url));
const child = spawn(process.execPath, [test, 'test/e2e/studio.test.ts', 'test/e2e/main-job.test.ts', 'test/publish/hosts-screen.test.ts', 'test/e2e/clr-flow.test.ts'], { stdio: 'inherit', env: { ...process.env, LAUREL_SCREENSHOTS: 'docs' } });
child.on('exit', (code) => process.exit(code ?? 1));
