/**
 * The Electron main entry. The core runs from its TypeScript sources through tsx, as it does for
 * the CLI, the web shell and the tests (it starts worker threads and loads modules by path, which
 * a bundle would break), so tsx is registered before the shell itself loads.
 */
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
