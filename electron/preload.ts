/**
 * The preload (sandboxed, context-isolated): puts `window.studio` in the page with exactly the
 * Studio API's methods and the shell's own (pickFile, saveFile, chooseWorkspace), plus onEvent.
 * The list comes from the main process through additionalArguments, so it is the contract's list.
 * Each method sends (name, args) on one channel; the main process checks the sender and validates.
 * No Electron object (ipcRenderer, the event) ever reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';

const PREFIX = '--laurel-api=';
const methods = (process.argv.find((a) => a.startsWith(PREFIX)) ?? PREFIX).slice(PREFIX.length).split(',').filter((m) => /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(m));

const studio: Record<string, unknown> = {};
for (const name of methods) {
  studio[name] = (args?: unknown) => ipcRenderer.invoke('studio', name, args);
}
studio.onEvent = (listener: (event: unknown) => void) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  const forward = (_event: unknown, data: unknown) => listener(data);
  ipcRenderer.on('studio:event', forward);
  return () => {
    ipcRenderer.removeListener('studio:event', forward);
  };
};

contextBridge.exposeInMainWorld('studio', studio);
