// Worker thread entry: registers tsx so the TypeScript worker runs as it is (as bin/laurel.mjs
// does for the CLI). Worker threads do not inherit the main thread's module hooks.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
