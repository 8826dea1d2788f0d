/**
 * The `undici` package, loaded when a request first needs it rather than when tokenward is imported:
 * it took ~100 ms of every start (issue 12 §5), and a CLI call or a short job may never need it.
 * Only type imports of `undici` elsewhere; values come from here.
 * @module
 */
import type * as Undici from 'undici';

/** The package's exports. */
export type UndiciModule = typeof Undici;

/**
 * One per process, not per copy of this module: the ESM and the CommonJS build of tokenward, or the CLI
 * and the library it runs, then agree on whether undici has taken over (`--verbose` loads it for the
 * manager it builds).
 */
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for('tokenward.undici')] ??= {}) as { loaded?: UndiciModule; loading?: Promise<UndiciModule> };

/** undici if it has been loaded in this process (by {@link loadUndici}), else `undefined`. */
export function loadedUndici(): UndiciModule | undefined {
  return state.loaded;
}

/** Loads undici once per process; every caller shares the one load. */
export function loadUndici(): Promise<UndiciModule> {
  if (state.loaded !== undefined) return Promise.resolve(state.loaded);
  // undici is CommonJS: its namespace's `default` is the `module.exports` that `require` returns.
  state.loading ??= import('undici').then(
    (namespace) => (state.loaded ??= ((namespace as unknown as { default?: UndiciModule }).default ?? namespace) as UndiciModule),
  );
  return state.loading;
}
