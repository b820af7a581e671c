/** The window's size and position, remembered in userData/window-state.json between launches. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../core/util/fs.ts';

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 860 };
const MIN = { width: 760, height: 560 };

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The saved state if it is sane and still on a screen; otherwise the default size, centred. */
export function loadWindowState(userData: string, screens: Area[]): WindowState {
  let saved: Partial<WindowState>;
  try {
    saved = JSON.parse(readFileSync(path.join(userData, 'window-state.json'), 'utf8')) as Partial<WindowState>;
  } catch {
    return { ...DEFAULT_STATE };
  }
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!num(saved.width) || !num(saved.height)) return { ...DEFAULT_STATE };
  const state: WindowState = { width: Math.max(MIN.width, Math.round(saved.width!)), height: Math.max(MIN.height, Math.round(saved.height!)), maximized: saved.maximized === true };
  if (num(saved.x) && num(saved.y)) {
    // Keep the position only when the window's top-left area is on a screen that still exists.
    const visible = screens.some((s) => saved.x! + 40 >= s.x && saved.y! >= s.y && saved.x! + 40 <= s.x + s.width && saved.y! + 40 <= s.y + s.height);
    if (visible) {
      state.x = Math.round(saved.x!);
      state.y = Math.round(saved.y!);
    }
  }
  return state;
}

export async function saveWindowState(userData: string, state: WindowState): Promise<void> {
  await atomicWrite(path.join(userData, 'window-state.json'), JSON.stringify(state, null, 2) + '\n', 0o600);
}
