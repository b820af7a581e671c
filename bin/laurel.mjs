#!/usr/bin/env node
// Launcher for the `laurel` CLI: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
