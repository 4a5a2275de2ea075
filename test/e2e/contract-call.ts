import type { Page } from '@playwright/test';
import type { CallInput, CallOutput, LoupeClient, ProcedureName } from '../../src/shared/contract';

/** One contract call made by the page itself, through its own `window.loupe` (to check what the UI did). */
export function callInPage<K extends ProcedureName>(page: Page, method: K, input: CallInput<K>): Promise<CallOutput<K>> {
  return page.evaluate(([m, i]) => (window as unknown as { loupe: LoupeClient }).loupe.call(m as ProcedureName, i as never), [
    method,
    input,
  ] as const) as Promise<CallOutput<K>>;
}
