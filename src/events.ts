/**
 * Observability: typed listeners and `node:diagnostics_channel` channels. No payload holds a token
 * or a secret.
 * @module
 */
// Named imports, not a default one: a default import ends up in the published .d.ts, where it breaks
// consumers compiling without `esModuleInterop` (TS1192).
import { channel, type Channel } from 'node:diagnostics_channel';
import type { TokenwardError } from './errors.js';
import type { RetryEvent, TokenEvent } from './options.js';

/** Events a {@link TokenManager} emits, and their payloads. */
export interface TokenwardEvents {
  /** A token was acquired by a grant, refreshed, or adopted from the store. */
  token: TokenEvent;
  /** A token request, background refresh or logoff failed. */
  error: TokenwardError;
  /** A transient failure is about to be retried. */
  retry: RetryEvent;
  /** A refresh token was refused; the manager fell back to the original grant. */
  'refresh-fallback': { readonly error: TokenwardError };
  /**
   * The API rejected the token; it was invalidated and the request replayed. `url` has no query;
   * `challenge` is the answer's `WWW-Authenticate` as sent (scheme and auth-params: no token).
   */
  'auth-replay': { readonly status: number; readonly url: string; readonly challenge?: string | undefined };
  /** The token store failed; the manager carried on without it. */
  'store-error': TokenwardError;
  /** `logoff()` finished (whether or not the server was reached). */
  logoff: { readonly released: boolean };
}

/** Channel names for tracing tools: `diagnostics_channel.subscribe('tokenward:token', fn)`. */
export const channels = {
  token: channel('tokenward:token'),
  error: channel('tokenward:error'),
  retry: channel('tokenward:retry'),
  'refresh-fallback': channel('tokenward:refresh-fallback'),
  'auth-replay': channel('tokenward:auth-replay'),
  'store-error': channel('tokenward:store-error'),
  logoff: channel('tokenward:logoff'),
} as const satisfies { [K in keyof TokenwardEvents]: Channel };

type Listener<K extends keyof TokenwardEvents> = (payload: TokenwardEvents[K]) => void;

/** A small typed emitter. A listener that throws never breaks the token flow. */
export class Emitter {
  readonly #listeners = new Map<keyof TokenwardEvents, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof TokenwardEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Delivers to listeners and to the diagnostics channel. */
  emit<K extends keyof TokenwardEvents>(event: K, payload: TokenwardEvents[K]): void {
    const diagnostic = channels[event];
    if (diagnostic.hasSubscribers) diagnostic.publish(payload);
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch {
        // A faulty listener must not turn a good token into a failure.
      }
    }
  }
}
