/// <reference types="svelte" />
import type { StudioBridge } from '../../core/api/contract.ts';

declare global {
  interface Window {
    /** The Studio API, provided by the Electron preload or by web-client.ts. */
    studio: StudioBridge;
  }
}

export {};
