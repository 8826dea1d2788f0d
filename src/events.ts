/**
 * Observability: typed listeners and `node:diagnostics_channel` channels. No payload holds a token
 * or a secret.
 * @module
 */
// Named imports, not a default one: a default import ends up in the published .d.ts, where it breaks
// consumers compiling without `esModuleInterop` (TS1192).
import { type Channel, channel } from 'node:diagnostics_channel';
import type { TokenwardError } from './errors.js';
import type { RetryEvent, TokenEvent } from './options.js';

/**
 * Events a {@link TokenManager} emits through `tm.on(event, listener)`, and their payloads. Each is also
 * published on the {@link channels} entry of the same name.
 *
 * @example
 * ```ts
 * import type { TokenwardEvents } from 'tokenward';
 *
 * const onReplay = (e: TokenwardEvents['auth-replay']) => log.warn(`API answered ${e.status} to ${e.url}; replayed with a new token`);
 * tm.on('auth-replay', onReplay);
 * tm.on('refresh-fallback', ({ error }) => log.info('refresh token refused, used the grant again:', error.error));
 * ```
 */
export interface TokenwardEvents {
  /** A token was acquired by a grant, refreshed, or adopted from the store. */
  token: TokenEvent;
  /** A token request, background refresh or logoff failed. */
  error: TokenwardError;
  /** A transient failure is about to be retried. */
  retry: RetryEvent;
  /** A refresh token was refused; the manager fell back to the original grant. */
  'refresh-fallback': {
    /** Why the refresh failed: usually an `OAuthError` with `error: 'invalid_grant'`. */
    readonly error: TokenwardError;
  };
  /**
   * The API rejected the token; it was invalidated and the request replayed. `url` has no query;
   * `challenge` is the answer's `WWW-Authenticate` as sent (scheme and auth-params: no token).
   */
  'auth-replay': {
    /** The API's status (401, or 400/403 with `error="invalid_token"`; InfoLink's 200 envelope too). */
    readonly status: number;
    /** The request's URL without its query. */
    readonly url: string;
    /** The `WWW-Authenticate` header as sent, when there was one. */
    readonly challenge?: string | undefined;
  };
  /** The token store failed; the manager carried on without it. */
  'store-error': TokenwardError;
  /** `logoff()` finished (whether or not the server was reached). */
  logoff: {
    /** Whether the server confirmed the release (false also when `logoff: false` or there was no token). */
    readonly released: boolean;
    /** What happened, for a message a person can act on (see {@link LogoffOutcome}). */
    readonly outcome: LogoffOutcome;
  };
}

/**
 * How a `logoff()` ended: `released` (the server confirmed it), `already-ended` (the server said the
 * session or token was already gone), `not-revocable` (RFC 7009 `unsupported_token_type`: the server does
 * not revoke this kind of token, so it stays valid until it expires; oidc-provider answers so for its JWT
 * access tokens), `no-token` (nothing was held), `not-configured` (`logoff: false`: the token is only
 * forgotten here) or `failed` (the server could not be reached or refused; `logoff()` threw).
 *
 * @example
 * ```ts
 * tm.on('logoff', ({ outcome }) => {
 *   if (outcome === 'not-revocable') log.warn('the token stays valid at the server until it expires');
 * });
 * ```
 */
export type LogoffOutcome = 'released' | 'already-ended' | 'not-revocable' | 'no-token' | 'not-configured' | 'failed';

/**
 * The `node:diagnostics_channel` channels every manager publishes its events on, for tools that cannot
 * reach the `TokenManager` itself. Each message is the event's payload (see {@link TokenwardEvents})
 * plus nothing secret; also subscribable by name: `diagnostics_channel.subscribe('tokenward:token', fn)`.
 *
 * @example
 * ```ts
 * import { channels, type TokenEvent } from 'tokenward';
 *
 * channels.token.subscribe((message) => {
 *   const e = message as TokenEvent;
 *   log.info(`token by ${e.how}, expires ${new Date(e.expiresAt).toISOString()}`);
 * });
 * ```
 */
export const channels = {
  /** `tokenward:token`: the `token` event of every manager. */
  token: channel('tokenward:token'),
  /** `tokenward:error`: the `error` event. */
  error: channel('tokenward:error'),
  /** `tokenward:retry`: the `retry` event. */
  retry: channel('tokenward:retry'),
  /** `tokenward:refresh-fallback`: the `refresh-fallback` event. */
  'refresh-fallback': channel('tokenward:refresh-fallback'),
  /** `tokenward:auth-replay`: the `auth-replay` event. */
  'auth-replay': channel('tokenward:auth-replay'),
  /** `tokenward:store-error`: the `store-error` event. */
  'store-error': channel('tokenward:store-error'),
  /** `tokenward:logoff`: the `logoff` event (the tracing channel of the same name is {@link tracingChannels}`.logoff`). */
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
