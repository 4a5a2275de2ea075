import type { LoupeClient } from '../shared/contract';

declare global {
  interface Window {
    /** Put there by the Electron preload, or by client/bootstrap in a browser. */
    readonly loupe: LoupeClient;
  }
}
export {};
