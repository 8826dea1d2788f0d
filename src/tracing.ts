/**
 * Tracing points: `node:diagnostics_channel` tracing channels around each acquisition, each token-endpoint
 * HTTP attempt and each logoff, and a channel for cache lookups. Nothing is built or published unless
 * someone subscribed, so a cache hit costs one `hasSubscribers` read. No context holds a token, a secret,
 * a parameter value or a URL query; `tokenward/otel` turns them into spans and metrics.
 * @module
 */
// Named imports, not a default one: a default import in a published .d.ts breaks consumers compiling
// without `esModuleInterop` (TS1192).
import { type Channel, channel, type TracingChannel, tracingChannel } from 'node:diagnostics_channel';
import type { WireClientAuth } from './client-auth/strategy.js';
import { redactUrl } from './transport.js';

/**
 * The context of one acquisition on `tokenward:acquire`: a token renewed (refresh token first, then the
 * grant) or adopted from the store, for the manager's own token or a parameter set's. Published once per
 * acquisition, however many callers share it.
 *
 * @example
 * ```ts
 * import { tracingChannels, type AcquireTrace } from 'tokenward';
 *
 * tracingChannels.acquire.asyncEnd.subscribe((message) => {
 *   const trace = message as AcquireTrace;
 *   if (trace.error === undefined) log.info(`token by ${trace.how}${trace.background ? ' (proactive refresh)' : ''}`);
 * });
 * ```
 */
export interface AcquireTrace {
  /** The `TokenManager` whose token it is (views and parameter sets report their manager). */
  readonly manager: object;
  /** The configured grant (`client_credentials`, `password`). */
  readonly grant: string;
  /** Whether the token has parameters of its own (`scope`, `resource`, `audience`, `params`); never their values. */
  readonly hasParameters: boolean;
  /** A `forceRefresh` caller or the proactive timer asked for a new token while the cached one was fresh. */
  readonly forced: boolean;
  /** Started by the proactive refresh timer, not by a caller. */
  readonly background: boolean;
  /** Set when a refresh token is presented (whether or not the server takes it). */
  refreshTokenUsed?: boolean;
  /** Set on success: how the token was obtained. */
  how?: 'grant' | 'refresh' | 'store';
  /** Set by the channel on failure: the `TokenwardError` callers get. */
  error?: unknown;
}

/**
 * The context of one HTTP attempt at the token endpoint on `tokenward:request`: the first try, each
 * retry and each client-authentication probe. `parent` names the acquisition (or logoff) that sent it.
 *
 * @example
 * ```ts
 * import { tracingChannels, type TokenRequestTrace } from 'tokenward';
 *
 * tracingChannels.request.asyncEnd.subscribe((message) => {
 *   const trace = message as TokenRequestTrace;
 *   log.info(`${trace.method} ${trace.url} (${trace.grant}, ${trace.clientAuth}, attempt ${trace.attempt}): ${trace.status ?? 'no answer'}`);
 * });
 * ```
 */
export interface TokenRequestTrace {
  /** The `grant_type` sent (`client_credentials`, `password`, `refresh_token`). */
  readonly grant: string;
  /** 1 for the first try, 2 for the first retry, ... (per client-authentication method). */
  readonly attempt: number;
  /** The client authentication on this request (`basic`, `body`, `private_key_jwt`, ...; `none` for a refresh sent without). */
  readonly clientAuth: WireClientAuth;
  /** Always `'POST'` (RFC 6749 §3.2), for span attributes. */
  readonly method: 'POST';
  /** The token endpoint without user info, query or fragment. */
  readonly url: string;
  /** The acquisition or logoff that sent it (its manager is `parent.manager`); `undefined` if that was not traced. */
  readonly parent: OperationTrace | undefined;
  /** Set when an answer arrived: its status (also when the answer is an error). */
  status?: number;
  /** Set by the channel on failure: the `TokenwardError` of this attempt. */
  error?: unknown;
}

/**
 * The context of one token's logoff on the `tokenward:logoff` tracing channel (`tracing:tokenward:logoff:start`,
 * ...; the plain `tokenward:logoff` channel is the `logoff` event): the manager's own token or a parameter set's.
 *
 * @example
 * ```ts
 * import { tracingChannels, type LogoffTrace } from 'tokenward';
 *
 * tracingChannels.logoff.asyncEnd.subscribe((message) => {
 *   const trace = message as LogoffTrace;
 *   if (trace.style !== 'none' && trace.released !== true) log.warn('the server did not confirm the logoff; the session lives until it expires');
 * });
 * ```
 */
export interface LogoffTrace {
  /** The `TokenManager` whose session it is. */
  readonly manager: object;
  /** Whether the token has parameters of its own; never their values. */
  readonly hasParameters: boolean;
  /** The `logoff` option's style: `bearer`, `revoke`, or `none` (`logoff: false`: local only). */
  readonly style: 'bearer' | 'revoke' | 'none';
  /** Set before the end: whether the server released the session. */
  released?: boolean;
  /** Set by the channel on failure: the `ERR_TOKENWARD_LOGOFF` error `logoff()` throws. */
  error?: unknown;
}

/**
 * What sends token requests: an acquisition, or a logoff that renews an expired session to release it.
 * Tell them apart by `style`, which only a logoff has.
 *
 * @example
 * ```ts
 * import { tracingChannels, type OperationTrace } from 'tokenward';
 *
 * const sentBy = (parent: OperationTrace | undefined) => (parent === undefined ? 'untraced' : 'style' in parent ? 'logoff' : 'acquisition');
 * tracingChannels.request.start.subscribe((message) => log.info(sentBy((message as { parent?: OperationTrace }).parent)));
 * ```
 */
export type OperationTrace = AcquireTrace | LogoffTrace;

/**
 * A message on `tokenward:cache`: a caller asked for a token. `hit`: served from the cache without
 * waiting (`getToken()`, `tm.fetch`, the undici interceptor); else it waited for an acquisition.
 *
 * @example
 * ```ts
 * import { cacheChannel, type CacheLookup } from 'tokenward';
 *
 * let misses = 0;
 * cacheChannel.subscribe((message) => { if (!(message as CacheLookup).hit) misses++; });
 * ```
 */
export interface CacheLookup {
  /** The `TokenManager` whose token was asked for. */
  readonly manager: object;
  /** Whether the token asked for has parameters of its own (`tm.for(...)`); never their values. */
  readonly hasParameters: boolean;
  /** Served from the cache without waiting; `false`: the caller waited for an acquisition. */
  readonly hit: boolean;
}

/**
 * tokenward's tracing channels, for APM tools and `tokenward/otel`. Each is a `TracingChannel` (`start`,
 * `end`, `asyncStart`, `asyncEnd`, `error`) whose context never holds a token or secret.
 *
 * @example
 * ```ts
 * import { tracingChannels, type AcquireTrace, type TokenRequestTrace } from 'tokenward';
 *
 * declare function report(...what: unknown[]): void; // yours
 * const started = new WeakMap<AcquireTrace, number>();
 * tracingChannels.acquire.subscribe({
 *   start: (trace) => started.set(trace, performance.now()),
 *   asyncEnd: (trace) => report(trace.how, performance.now() - started.get(trace)!),
 *   end() {}, asyncStart() {}, error() {},
 * });
 * // A token request names the acquisition (or logoff) that sent it.
 * tracingChannels.request.start.subscribe((message) => {
 *   const trace = message as TokenRequestTrace;
 *   report(trace.parent?.manager, trace.grant, trace.attempt);
 * });
 * ```
 */
export const tracingChannels = {
  /** `tokenward:acquire`: one acquisition (see {@link AcquireTrace}). */
  acquire: tracingChannel<unknown, AcquireTrace>('tokenward:acquire'),
  /** `tokenward:request`: one HTTP attempt at the token endpoint (see {@link TokenRequestTrace}). */
  request: tracingChannel<unknown, TokenRequestTrace>('tokenward:request'),
  /** `tokenward:logoff`: one token's logoff (see {@link LogoffTrace}). */
  logoff: tracingChannel<unknown, LogoffTrace>('tokenward:logoff'),
} as const;

/**
 * `tokenward:cache`: a message per token asked for, hit or miss (see {@link CacheLookup}), published only
 * while someone listens. Subscribe only to count: it runs on every cache hit.
 *
 * @example
 * ```ts
 * import { cacheChannel, type CacheLookup } from 'tokenward';
 *
 * let hits = 0;
 * cacheChannel.subscribe((message) => { if ((message as CacheLookup).hit) hits++; });
 * ```
 */
export const cacheChannel = channel('tokenward:cache') as Channel<unknown, CacheLookup>;

/**
 * Runs `operation` as a traced operation on `traced` with `context`, never publishing its result (a
 * token): the channel's `result` stays `undefined`. Only call it when `traced.hasSubscribers`.
 * @internal
 */
export function traceWithoutResult<T, C extends object>(traced: TracingChannel<unknown, C>, context: C, operation: () => Promise<T>): Promise<T> {
  let result: T;
  return traced
    .tracePromise(async () => {
      result = await operation();
    }, context)
    .then(() => result);
}

/**
 * Wraps one try at the token endpoint (`retry.ts` gives it its number) so that each is published on
 * `tokenward:request` when someone listens; `once` records the answer's status in the context it is given.
 * @internal
 */
export function tracedAttempts<T>(
  about: { readonly url: string; readonly grant: string; readonly clientAuth: WireClientAuth; readonly parent: OperationTrace | undefined },
  once: (trace?: TokenRequestTrace) => Promise<T>,
): (attempt: number) => Promise<T> {
  return (attempt) => {
    const traced = tracingChannels.request;
    if (!traced.hasSubscribers) return once();
    const trace: TokenRequestTrace = {
      grant: about.grant,
      attempt,
      clientAuth: about.clientAuth,
      method: 'POST',
      url: redactUrl(about.url),
      parent: about.parent,
    };
    return traceWithoutResult(traced, trace, () => once(trace));
  };
}

/**
 * One token slot's tracing points, with what its messages say about it worked out once.
 * @internal Used by `TokenSlot`.
 */
export class SlotTrace {
  readonly #manager: object;
  readonly #hasParameters: boolean;
  readonly #grant: string;
  readonly #logoffStyle: LogoffTrace['style'];
  /** The message of a hit, built once someone listens: a counted hit allocates nothing. */
  #hit: CacheLookup | undefined;

  constructor(manager: object, hasParameters: boolean, options: { readonly grant: string; readonly logoff: false | { readonly style: 'bearer' | 'revoke' } }) {
    this.#manager = manager;
    this.#hasParameters = hasParameters;
    this.#grant = options.grant;
    this.#logoffStyle = options.logoff === false ? 'none' : options.logoff.style;
  }

  /** Publishes a cache lookup on `tokenward:cache`. Call it only when `cacheChannel.hasSubscribers`. */
  lookedUp(hit: boolean): void {
    if (hit) cacheChannel.publish((this.#hit ??= { manager: this.#manager, hasParameters: this.#hasParameters, hit: true }));
    else cacheChannel.publish({ manager: this.#manager, hasParameters: this.#hasParameters, hit: false });
  }

  /** Runs an acquisition, on `tokenward:acquire` when someone listens; `run` fills in the context it is given. */
  acquire<T>(forced: boolean, background: boolean, run: (trace?: AcquireTrace) => Promise<T>): Promise<T> {
    const traced = tracingChannels.acquire;
    if (!traced.hasSubscribers) return run();
    const trace: AcquireTrace = { manager: this.#manager, grant: this.#grant, hasParameters: this.#hasParameters, forced, background };
    return traceWithoutResult(traced, trace, () => run(trace));
  }

  /** Runs a logoff, on `tokenward:logoff` when someone listens; `run` fills in the context it is given. */
  logoff(run: (trace?: LogoffTrace) => Promise<void>): Promise<void> {
    const traced = tracingChannels.logoff;
    if (!traced.hasSubscribers) return run();
    const trace: LogoffTrace = { manager: this.#manager, hasParameters: this.#hasParameters, style: this.#logoffStyle };
    return traced.tracePromise(() => run(trace), trace);
  }
}
