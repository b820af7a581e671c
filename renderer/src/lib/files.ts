// Files in the renderer: read dropped/picked files as base64 (how bytes cross to the core) and
// hand files to the shell to save.
import { api, type PickedFile } from './studio.ts';

/** The largest file the studio accepts in one go (the core says the same at its boundary). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function base64ToText(b64: string): string {
  return new TextDecoder().decode(base64ToBytes(b64));
}

export class FileTooLargeError extends Error {}

export async function readFile(file: File): Promise<PickedFile> {
  if (file.size > MAX_FILE_BYTES) throw new FileTooLargeError(`${file.name} is ${formatSize(file.size)}; the studio takes files up to 10 MB.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  return { name: file.name, base64: bytesToBase64(bytes), size: bytes.length, ...(file.type ? { mediaType: file.type } : {}) };
}

export function formatSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** A file name from free text: letters, digits and dashes. */
export function slug(s: string, fallback = 'credential'): string {
  const out = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return out || fallback;
}

export function saveText(suggestedName: string, text: string, mediaType: string) {
  return api.saveFile({ suggestedName, text, mediaType });
}
