import { inputError } from './input-error.js';
import { storeConfig, storeTimeoutMs, type StoreConfig } from '@readybook/engine';

/** READYBOOK_STORE at build time (ADR 0024): every machine's runs and checklist evaluations. */
export interface SharedStore {
  config: StoreConfig;
  timeoutMs: number;
}

/** The build's shared store, when it has READYBOOK_STORE (never printed: its label masks the password). */
export function sharedStore(env: NodeJS.ProcessEnv): SharedStore | undefined {
  const config = storeConfig(env);
  return config ? { config, timeoutMs: storeTimeoutMs(env) } : undefined;
}

/**
 * Reads `what` from the store for a page. A store that does not answer fails the build with the engine's
 * code and message (the password masked): a page without the team's runs would say less than is true.
 */
export async function readShared<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    throw inputError(
      `${e.code ?? 'RB053'}: ${e.message ?? String(error)}`,
      `The site shows the store's ${what} when READYBOOK_STORE is set: start the store, or build without READYBOOK_STORE to publish only committed evidence and this home's runs.`,
    );
  }
}
