/**
 * `TokenManager`: the tokens of one client kept valid for the life of a service. A bounded registry of
 * token slots (one per parameter set: scope, resource, audience) around what they share (options,
 * transport, client authentication, store, events), plus an authenticated `fetch` and `logoff`.
 * @module
 */
import { registerAccessPoint } from './access-point.js';
import { createAuthFetch } from './auth-fetch.js';
import { cacheKey } from './cache-key.js';
import type { GetTokenOptions } from './caller.js';
import { createClientAuth, type WireClientAuth } from './client-auth/index.js';
import { resolveFetch } from './default-fetch.js';
import { transportDispatcher } from './dispatcher.js';
import { DpopApi } from './dpop-api.js';
import { dpopEndpointSend } from './dpop-endpoint.js';
import { DpopNonces } from './dpop-nonces.js';
import { plainEndpointSend } from './endpoint-send.js';
import { createEndpoints } from './endpoints.js';
import type { ConfigError } from './errors.js';
import { Emitter, type TokenwardEvents } from './events.js';
import { createGrant } from './grants/index.js';
import { type FetchLike, type ResolvedOptions, resolveOptions, type TokenManagerOptions } from './options.js';
import { SlotRegistry } from './slot-registry.js';
import { TokenEndpoint } from './sources.js';
import { MemoryTokenStore, type TokenStore } from './store.js';
import { StoreSlot } from './store-slot.js';
import type { Token } from './token.js';
import { hasParameters, NO_PARAMETERS, parameterKey, type ResolvedParameters, resolveParameters, type TokenParameters } from './token-params.js';
import { type SlotContext, TokenSlot } from './token-slot.js';
import { createSend } from './transport.js';

/**
 * Acquires, caches, refreshes and releases OAuth 2.0 access tokens for one client: its own token, and
 * one per parameter set asked for (`getToken({ audience })`, `tm.for({ resource })`).
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 *
 * const tm = new TokenManager({
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientId: 'my-service',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   baseUrl: 'https://api.example.com',
 * });
 * const res = await tm.fetch('/v1/things');   // token acquired, cached, sent
 * await tm.logoff();                          // on shutdown
 * ```
 */
export class TokenManager implements AsyncDisposable {
  /** The key this manager's own token is stored under (a hash; holds no secret). */
  readonly cacheKey: string;
  /**
   * `fetch` with the WHATWG signature that sends the token, refreshing it and replaying once when the
   * API rejects it. Bound: pass `tm.fetch` wherever a `fetch` is expected. An aborted request rejects as
   * with `fetch`: with the signal's reason (an `AbortError` by default), also while the token is being
   * acquired. A relative URL without `baseUrl` throws a {@link ConfigError}.
   */
  readonly fetch: FetchLike;

  readonly #o: ResolvedOptions;
  readonly #fetchImpl: FetchLike;
  readonly #endpoint: TokenEndpoint;
  readonly #events = new Emitter();
  readonly #default: TokenSlot;
  readonly #slots: SlotRegistry;
  /** Releases of slots the registry dropped (with a logoff configured): `logoff()` waits for them. */
  readonly #releasing = new Set<Promise<void>>();
  readonly #privateStore: boolean;
  /** DPoP proofs for API calls (`dpop` option), shared by the manager's fetch, its views and interceptors. */
  readonly #dpop: DpopApi | undefined;
  #loggingOff: Promise<void> | undefined;

  /** @throws {ConfigError} when an option is wrong, naming it. */
  constructor(options: TokenManagerOptions) {
    const o = (this.#o = resolveOptions(options));
    const fetchImpl = (this.#fetchImpl = resolveFetch(o.fetch, transportDispatcher(o)));
    const send = createSend({ fetch: fetchImpl, timeout: o.timeout, maxResponseBytes: o.maxResponseBytes });
    // Discovery sends as is; requests to the authorization server go through the endpoint sender, which
    // with DPoP adds a proof to each. Server nonces are remembered per origin, for both kinds of request.
    const nonces = o.dpop === undefined ? undefined : new DpopNonces();
    const endpointSend = o.dpop === undefined ? plainEndpointSend(send) : dpopEndpointSend(send, o.dpop, nonces!);
    this.#dpop = o.dpop === undefined ? undefined : new DpopApi(o.dpop, nonces!);
    this.#endpoint = new TokenEndpoint(o, endpointSend, this.#events, createClientAuth(o), createEndpoints(o, send, this.#events), createGrant(o));
    this.cacheKey = cacheKey(o);
    const store: TokenStore = o.store ?? new MemoryTokenStore();
    // A store of its own is this manager's memory only: a dropped set's token goes with the set.
    this.#privateStore = o.store === undefined;
    const ctx: SlotContext = {
      options: o,
      endpoint: this.#endpoint,
      events: this.#events,
      send: endpointSend,
      managerLogoff: () => this.#loggingOff,
      manager: this,
    };
    const create = (parameters: ResolvedParameters) =>
      new TokenSlot(ctx, new StoreSlot(store, parameterKey(this.cacheKey, parameters), this.#events), parameters);
    this.#default = create(NO_PARAMETERS);
    this.#slots = new SlotRegistry(o.maxCachedTokens, { scope: o.scope, params: o.params, grant: o.grant }, create, (slot) => this.#released(slot));
    const { onToken, onError, onRetry } = o.hooks;
    if (onToken) this.#events.on('token', onToken);
    if (onError) this.#events.on('error', onError);
    if (onRetry) this.#events.on('retry', onRetry);
    const own = this.#default;
    registerAccessPoint(this, { allowedOrigins: o.allowedOrigins, slot: () => own, dpop: this.#dpop });
    this.fetch = createAuthFetch({ fetch: fetchImpl, options: o, slot: () => own, events: this.#events, dpop: this.#dpop });
  }

  /**
   * A valid access token: the cached one without I/O, else one acquired (refresh token first, then the
   * grant). Concurrent callers share one request and its result or error. With token parameters
   * (`scope`, `resource`, `audience`, `params`; a token exchange's `subjectToken`, a JWT-bearer
   * `assertion`), the token of that parameter set: each set is cached, refreshed and acquired on its own
   * and is never handed another set's token.
   */
  getToken(options?: GetTokenOptions): Promise<Token> {
    if (options === undefined) return this.#default.getToken();
    // A parameter set seen before, in plain strings: one map read (options without parameters find none).
    const slot = this.#slots.cached(options);
    if (slot !== undefined) return slot.getToken(options);
    if (!hasParameters(options)) return this.#default.getToken(options);
    // Else validated and canonicalised.
    try {
      return this.#slots.lookup(options).getToken(options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The cached token (of a parameter set, when given) if it is still valid and not expiring, else
   * `undefined`. Synchronous, no I/O.
   *
   * It does not look at a shared store: with a store that asks for re-validation (`revalidateMs`), a
   * token another instance has since dropped (its `logoff()`) is still returned until it expires here.
   * Call `getToken()` when that matters; `tm.fetch` and the `tokenward/undici` interceptor do.
   * @throws {ConfigError} when a parameter is malformed.
   */
  peekToken(parameters?: TokenParameters): Token | undefined {
    return (parameters !== undefined && hasParameters(parameters) ? this.#slots.lookup(parameters) : this.#default).peek();
  }

  /**
   * A view of one parameter set: its own `getToken`, `fetch` and `peekToken`, and usable with
   * `authInterceptor(view)`. Views are cheap; the token lives in the manager (one per parameter set,
   * however many views name it) and `tm.logoff()` releases it.
   *
   * @example
   * ```ts
   * const orders = tm.for({ audience: 'https://orders.example.com' });
   * const billing = tm.for({ resource: 'https://billing.example.com/' });
   * await orders.fetch('https://orders.example.com/v1/open');
   * // With `grant: 'token_exchange'`: on behalf of the user whose token the service was called with.
   * const mine = tm.for({ subjectToken: userToken, audience: 'https://orders.example.com' });
   * ```
   * @throws {ConfigError} when a parameter is malformed.
   */
  for(parameters: TokenParameters): TokenView {
    const resolved = resolveParameters(parameters, { scope: this.#o.scope, params: this.#o.params, grant: this.#o.grant });
    return new TokenView(
      resolved.canonical === ''
        ? () => this.#default
        : (() => {
            let slot = this.#slots.slotFor(resolved);
            // Each use counts as a use (least recently used goes first); a dropped slot is looked up again.
            return () => (slot.evicted ? (slot = this.#slots.slotFor(resolved)) : this.#slots.touch(slot));
          })(),
      this.#fetchImpl,
      this.#o,
      this.#events,
      this.#dpop,
    );
  }

  /**
   * Drops the cached access token so the next call acquires a new one (by refresh token where there is
   * one). With `token`, drops it only if it is still the cached one (of whichever parameter set holds
   * it): N callers that saw the same rejected token cause one renewal, not N.
   */
  invalidate(token?: Token): void {
    if (token === undefined) {
      this.#default.invalidate();
      return;
    }
    this.#default.invalidate(token);
    for (const slot of this.#slots.all()) slot.invalidate(token);
  }

  /**
   * Origins (`https://api.example.com`) that may receive the token: the origin of `baseUrl` (else of
   * `tokenUrl`) plus `allowedOrigins`. `tm.fetch` and the `tokenward/undici` interceptor both check it.
   */
  get allowedOrigins(): ReadonlySet<string> {
    return this.#o.allowedOrigins;
  }

  /** The client authentication in use (`basic`, `body`, `none`), or `undefined` before `auto` has learned it. */
  get clientAuth(): WireClientAuth | undefined {
    return this.#endpoint.clientAuth;
  }

  /** Subscribes to an event; returns an unsubscribe function. Payloads never hold a token or secret. */
  on<K extends keyof TokenwardEvents>(event: K, listener: (payload: TokenwardEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Releases every session this manager holds at the server (per the `logoff` option) and clears the
   * cache, waiting for acquisitions in flight first. Calls made meanwhile wait for it and then acquire
   * afresh; the released tokens are never used again. With a bearer-style logoff, a session whose access
   * token expired is renewed by its refresh token (never by a new grant) and released with the fresh one.
   * Idempotent; "already logged off" answers are not errors. Other failures throw a `TokenwardError`
   * with code `ERR_TOKENWARD_LOGOFF` after local state is cleared.
   */
  logoff(): Promise<void> {
    this.#loggingOff ??= this.#logoff().finally(() => {
      this.#loggingOff = undefined;
    });
    return this.#loggingOff;
  }

  /** `await using tm = new TokenManager(...)` logs off when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.logoff();
  }

  async #logoff(): Promise<void> {
    const results = await Promise.allSettled([this.#default.logoff(), ...this.#slots.all().map((slot) => slot.logoff()), ...this.#releasing]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * A slot the registry dropped: release its session in the background when a logoff is configured;
   * else forget its token when the store is this manager's own (a shared store keeps it for the others).
   */
  #released(slot: TokenSlot): void {
    if (this.#o.logoff === false || !slot.holdsSession) {
      if (this.#privateStore) slot.forget();
      return;
    }
    const release: Promise<void> = slot
      .logoff()
      .catch(() => {
        // Reported through the error event.
      })
      .finally(() => this.#releasing.delete(release));
    this.#releasing.add(release);
  }
}

/**
 * One parameter set of a {@link TokenManager}, from `tm.for(...)`: `getToken`, `fetch` and `peekToken`
 * for that token alone. Pass it to `authInterceptor(view)` for undici. Cheap to create; the token itself
 * lives in the manager.
 *
 * @example
 * ```ts
 * import type { TokenView } from 'tokenward';
 *
 * const orders: TokenView = tm.for({ audience: 'https://orders.example.com' });
 * const res = await orders.fetch('https://orders.example.com/v1/orders');
 * ```
 */
export class TokenView {
  /** `fetch` with the WHATWG signature that sends this parameter set's token (see `TokenManager.fetch`). */
  readonly fetch: FetchLike;
  readonly #slot: () => TokenSlot;

  /** @internal Created by `tm.for(...)`. */
  constructor(slot: () => TokenSlot, fetch: FetchLike, options: ResolvedOptions, events: Emitter, dpop: DpopApi | undefined) {
    this.#slot = slot;
    registerAccessPoint(this, { allowedOrigins: options.allowedOrigins, slot, dpop });
    this.fetch = createAuthFetch({ fetch, options, slot, events, dpop });
  }

  /** This parameter set's token (see `TokenManager.getToken`); `signal` and `forceRefresh` apply. */
  getToken(options?: Pick<GetTokenOptions, 'signal' | 'forceRefresh'>): Promise<Token> {
    return this.#slot().getToken(options);
  }

  /** This parameter set's cached token if still valid and not expiring, else `undefined`. Synchronous. */
  peekToken(): Token | undefined {
    return this.#slot().peek();
  }

  /** Drops this parameter set's cached token (only `token`, when given). */
  invalidate(token?: Token): void {
    this.#slot().invalidate(token);
  }
}
