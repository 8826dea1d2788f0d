/**
 * The `undici` package, loaded when a request first needs it rather than when tokenward is imported:
 * it took ~100 ms of every start (issue 12 §5), and a CLI call or a short job may never need it.
 * Only type imports of `undici` elsewhere; values come from here.
 * @module
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/** The package's exports. */
export type UndiciModule = typeof Undici;

let loaded: UndiciModule | undefined;
let loading: Promise<UndiciModule> | undefined;

/** undici if it has been loaded in this process (by {@link loadUndici} or {@link requireUndici}), else `undefined`. */
export function loadedUndici(): UndiciModule | undefined {
  return loaded;
}

/** Loads undici once per process; every caller shares the one load. */
export function loadUndici(): Promise<UndiciModule> {
  if (loaded !== undefined) return Promise.resolve(loaded);
  // undici is CommonJS: its namespace's `default` is the `module.exports` that `require` returns.
  loading ??= import('undici').then((namespace) => (loaded ??= ((namespace as unknown as { default?: UndiciModule }).default ?? namespace) as UndiciModule));
  return loading;
}

/** undici at once, for a synchronous path (a profile that builds an `Agent` while returning options). */
export function requireUndici(): UndiciModule {
  loaded ??= createRequire(import.meta.url)('undici') as UndiciModule;
  return loaded;
}
