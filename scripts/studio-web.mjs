#!/usr/bin/env node
// `npm run studio:web`: builds the UI if its sources changed, then serves it on 127.0.0.1 (web/main.ts).
import { register } from 'tsx/esm/api';

register();
const { ensureRendererBuilt } = await import('./ui-build.ts');
const { runWeb, reportStartupError } = await import('../web/main.ts');
try {
  await ensureRendererBuilt((line) => process.stdout.write(line + '\n'));
  await runWeb({ argv: process.argv.slice(2) });
} catch (e) {
  reportStartupError(e);
}
