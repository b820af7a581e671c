import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Where the shipped data lives. A packaged app points LAUREL_RESOURCES at its resources folder;
 * from a source checkout it is the repo's resources/.
 */
export function resourcesDir(): string {
  const fromEnv = process.env.LAUREL_RESOURCES;
  if (fromEnv) return path.resolve(fromEnv);
  return fileURLToPath(new URL('../../resources/', import.meta.url));
}

export function resourcePath(...parts: string[]): string {
  return path.join(resourcesDir(), ...parts);
}
