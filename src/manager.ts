/**
 * `TokenManager`: one token kept valid for the life of a service. Roughly `reuse(refreshing(grant))`
 * plus an authenticated `fetch` and `logoff`.
 * @module
 */
import { createAuthFetch, RENEWAL_COOLDOWN_MS } from './auth-fetch.js';
import { aborted, waitWithSignal, type GetTokenOptions } from './caller.js';
import { checkAtOf, invalidatedEntry, isFresh, makeEntry, type Entry } from './cache-entry.js';
import { cacheKey } from './cache-key.js';
import { ErrorCode, NetworkError, TokenwardError, type ConfigError } from './errors.js';
import { Emitter, type TokenwardEvents } from './events.js';
import { releaseSession } from './logoff.js';
import { resolveOptions, type FetchLike, type ResolvedOptions, type TokenManagerOptions } from './options.js';
import { RefreshTimer } from './refresh-timer.js';
import { TokenEndpoint } from './sources.js';
import { MemoryTokenStore } from './store.js';
import { StoreSlot } from './store-slot.js';
import type { Token } from './token.js';
import { createSend, resolveFetch, type Send } from './transport.js';

/**
 * Acquires, caches, refreshes and releases OAuth 2.0 access tokens for one client.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 *
 * const tm = new TokenManager({
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientId: 'my-service',
 *   clientSecret: process.env.CLIENT_SECRET,
 *   baseUrl: 'https://api.example.com',
 * });
 * const res = await tm.fetch('/v1/things');   // token acquired, cached, sent
 * await tm.logoff();                          // on shutdown
 * ```
 */
export class TokenManager implements AsyncDisposable {
  /** The key this manager's token is stored under (a hash; holds no secret). */
  readonly cacheKey: string;
  /**
   * `fetch` with the WHATWG signature that sends the token, refreshing it and replaying once when the
   * API rejects it. Bound: pass `tm.fetch` wherever a `fetch` is expected. An aborted request rejects as
   * with `fetch`: with the signal's reason (an `AbortError` by default), also while the token is being
   * acquired. A relative URL without `baseUrl` throws a {@link ConfigError}.
   */
  readonly fetch: FetchLike;

  readonly #o: ResolvedOptions;
  readonly #endpoint: TokenEndpoint;
  readonly #store: StoreSlot;
  readonly #send: Send;
  readonly #events = new Emitter();
  #entry: Entry | undefined;
  #inflight: Promise<Token> | undefined;
  /**
   * The access token this manager last dropped (invalidated or logged off). Never adopted from the store
   * again, even when the store failed to forget it or its deletion has not landed yet.
   */
  #dropped: string | undefined;
  /** A token whose 401-triggered renewal did not help (its replay was rejected too), and until when. */
  #unhelpful: { accessToken: string; until: number } | undefined;
  #revalidating: Promise<void> | undefined;
  readonly #timer = new RefreshTimer();
  #loggingOff: Promise<void> | undefined;

  /** @throws {ConfigError} when an option is wrong, naming it. */
  constructor(options: TokenManagerOptions) {
    this.#o = resolveOptions(options);
    const fetchImpl = resolveFetch(this.#o.fetch, this.#o.dispatcher);
    this.#send = createSend({ fetch: fetchImpl, timeout: this.#o.timeout, maxResponseBytes: this.#o.maxResponseBytes });
    this.#endpoint = new TokenEndpoint(this.#o, this.#send, this.#events);
    this.cacheKey = cacheKey(this.#o);
    this.#store = new StoreSlot(this.#o.store ?? new MemoryTokenStore(), this.cacheKey, this.#events);
    const { onToken, onError, onRetry } = this.#o.hooks;
    if (onToken) this.#events.on('token', onToken);
    if (onError) this.#events.on('error', onError);
    if (onRetry) this.#events.on('retry', onRetry);
    this.fetch = createAuthFetch({
      fetch: fetchImpl,
      options: this.#o,
      getToken: (signal) => (signal ? this.getToken({ signal }) : this.getToken()),
      peekToken: () => this.peekForRequest(),
      renewalUnhelpful: (token) => this.renewalUnhelpful(token),
      markRenewalUnhelpful: (token) => this.markRenewalUnhelpful(token),
      invalidate: (token) => this.invalidate(token),
      events: this.#events,
    });
  }

  /**
   * A valid access token: the cached one without I/O, else one acquired (refresh token first, then the
   * grant). Concurrent callers share one request and its result or error.
   */
  getToken(options?: GetTokenOptions): Promise<Token> {
    const entry = this.#entry;
    // Hot path: a few property reads and a settled promise, no allocation. Options are looked at only
    // when given: an already-aborted signal is refused even on a cache hit, as fetch() refuses one.
    if (entry !== undefined && Date.now() < entry.checkAt && (options === undefined || (options.forceRefresh !== true && options.signal?.aborted !== true))) {
      return entry.promise;
    }
    return this.#slow(options);
  }

  /**
   * The cached token if it is still valid and not expiring, else `undefined`. Synchronous, no I/O.
   *
   * It does not look at a shared store: with a store that asks for re-validation (`revalidateMs`), a
   * token another instance has since dropped (its `logoff()`) is still returned until it expires here.
   * Call `getToken()` when that matters; `tm.fetch` and the `tokenward/undici` interceptor do.
   */
  peekToken(): Token | undefined {
    const entry = this.#entry;
    return entry !== undefined && Date.now() < entry.refreshAt ? entry.token : undefined;
  }

  /**
   * The cached token when a request may carry it without a look at the store, else `undefined`, and the
   * caller must then `await getToken()`. Unlike {@link TokenManager.peekToken} it also answers
   * `undefined` when a shared store's re-validation is due, so `getToken()` runs it: without that, a
   * fleet's `logoff()` never reached instances that only use `tm.fetch` or the interceptor.
   * Synchronous, no I/O, no allocation.
   * @internal Used by `tm.fetch` and `tokenward/undici`; not part of the public API.
   */
  peekForRequest(): Token | undefined {
    const entry = this.#entry;
    return entry !== undefined && Date.now() < entry.checkAt ? entry.token : undefined;
  }

  /**
   * @internal Whether a 401 for `token` should be returned as is rather than renewed: a renewal produced
   * this token and its replay was rejected too, less than `RENEWAL_COOLDOWN_MS` ago. Shared by `tm.fetch`
   * and the undici interceptor, so a broken API cannot cost a token request (a Jim2 licence) per call.
   */
  renewalUnhelpful(token: Token): boolean {
    const u = this.#unhelpful;
    return u !== undefined && u.accessToken === token.accessToken && Date.now() < u.until;
  }

  /** @internal Records that `token`, fresh from a 401-triggered renewal, was rejected too. */
  markRenewalUnhelpful(token: Token): void {
    this.#unhelpful = { accessToken: token.accessToken, until: Date.now() + RENEWAL_COOLDOWN_MS };
  }

  /**
   * Drops the cached access token so the next call acquires a new one (by refresh token where there is
   * one). With `token`, drops it only if it is still the cached one: N callers that saw the same rejected
   * token cause one renewal, not N.
   */
  invalidate(token?: Token): void {
    const entry = this.#entry;
    if (entry === undefined || (token !== undefined && entry.token.accessToken !== token.accessToken)) return;
    this.#entry = invalidatedEntry(entry);
    this.#dropped = entry.token.accessToken;
    this.#timer.clear();
    void this.#store.forget(entry.token.accessToken);
  }

  /**
   * Origins (`https://api.example.com`) that may receive the token: the origin of `baseUrl` (else of
   * `tokenUrl`) plus `allowedOrigins`. `tm.fetch` and the `tokenward/undici` interceptor both check it.
   */
  get allowedOrigins(): ReadonlySet<string> {
    return this.#o.allowedOrigins;
  }

  /** The client authentication in use (`basic`, `body`, `none`), or `undefined` before `auto` has learned it. */
  get clientAuth(): 'basic' | 'body' | 'none' | undefined {
    return this.#endpoint.clientAuth;
  }

  /** Subscribes to an event; returns an unsubscribe function. Payloads never hold a token or secret. */
  on<K extends keyof TokenwardEvents>(event: K, listener: (payload: TokenwardEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Releases the session at the server (per the `logoff` option) and clears the cache, waiting for an
   * in-flight acquisition first. Idempotent; "already logged off" answers are not errors. Other failures
   * throw a `TokenwardError` with code `ERR_TOKENWARD_LOGOFF` after local state is cleared. A later
   * `getToken()` acquires afresh.
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
    this.#timer.clear();
    // A background re-validation may be about to publish the token: let it land first, then delete it.
    await this.#revalidating;
    // A token being acquired right now holds a session too: wait for it, then release it.
    while (this.#inflight) await this.#inflight.catch(() => undefined);
    // The acquisition just awaited may have scheduled a proactive refresh: stop it too.
    this.#timer.clear();
    let token = this.#entry?.token;
    this.#entry = undefined;
    if (token === undefined) token = await this.#store.get();
    // Should the store fail to forget it, this released token must still never be adopted again.
    if (token !== undefined) this.#dropped = token.accessToken;
    await this.#store.clear();
    if (token === undefined || this.#o.logoff === false) {
      this.#events.emit('logoff', { released: false });
      return;
    }
    try {
      await releaseSession(token, this.#o.logoff, {
        send: this.#send,
        clientAuth: this.#endpoint.clientAuth ?? 'basic',
        options: this.#o,
        secrets: this.#endpoint.secrets(token),
      });
      this.#events.emit('logoff', { released: true });
    } catch (err) {
      this.#events.emit('error', err as TokenwardError);
      this.#events.emit('logoff', { released: false });
      throw err;
    }
  }

  #slow(options: GetTokenOptions | undefined): Promise<Token> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    const entry = this.#entry;
    // Re-validation against a shared store is due but the token is still fresh: serve it, re-read in the background.
    if (entry !== undefined && options?.forceRefresh !== true && Date.now() < entry.refreshAt) {
      this.#revalidate(entry);
      return entry.promise;
    }
    const force = options?.forceRefresh === true;
    // The fallback to a still-usable token is each caller's, not the acquisition's: a forceRefresh that
    // joins an ordinary (or background) renewal asked for a new token and gets its error, not the old one.
    const inflight = force ? this.#join(true) : this.#join(false).catch(this.#keepOnFailure);
    return signal ? waitWithSignal(inflight, signal) : inflight;
  }

  /** The acquisition in flight, or a new one. It rejects on failure; callers choose whether to fall back. */
  #join(force: boolean): Promise<Token> {
    let inflight = this.#inflight;
    if (inflight === undefined) {
      const started: Promise<Token> = this.#acquire(force).finally(() => {
        if (this.#inflight === started) this.#inflight = undefined;
      });
      this.#inflight = inflight = started;
    }
    return inflight;
  }

  /**
   * After a failed renewal, the cached token if it is still usable: a blip at the token endpoint must not
   * fail API calls. The entry is read afresh, so one invalidated (the API rejected it) or logged off
   * meanwhile is not handed back; nor is a token when Jim2 said no licence is free.
   */
  readonly #keepOnFailure = (error: TokenwardError): Token => {
    const current = this.#entry;
    if (current !== undefined && Date.now() < current.usableUntil && error.code !== ErrorCode.NO_LICENCE) return current.token;
    throw error;
  };

  async #acquire(force: boolean): Promise<Token> {
    const previous = this.#entry;
    let release: (() => Promise<void>) | undefined;
    try {
      // Another manager (or process, with a shared store) may already hold a fresh token.
      // A token this manager saw rejected must not come back from the store before its deletion lands.
      const rejected = previous !== undefined && previous.usableUntil === -Infinity ? previous.token.accessToken : undefined;
      const adoptable = (t: Token | undefined): t is Token =>
        t !== undefined && isFresh(t, this.#o.refreshSkew) && t.accessToken !== rejected && t.accessToken !== this.#dropped;
      let stored = force ? undefined : await this.#store.get();
      if (adoptable(stored)) return this.#adopt(stored, 'store', 'store');
      if (this.#store.canLock) {
        release = await this.#store.lock({ ttlMs: this.#o.timeout * 2, waitMs: this.#o.timeout });
        // Whoever held the lock may have stored a fresh token meanwhile.
        stored = await this.#store.get();
        if (adoptable(stored) && (!force || stored.accessToken !== previous?.token.accessToken)) {
          return this.#adopt(stored, 'store', 'store');
        }
      }
      // The newest refresh token wins: a store shared by a fleet may hold a rotated one.
      const base = stored?.refreshToken !== undefined && stored.receivedAt >= (previous?.token.receivedAt ?? 0) ? stored : previous?.token;
      const { token, how } = await this.#endpoint.renew(base);
      const shared = await this.#store.publish(token);
      return this.#adopt(token, how, how === 'refresh' ? 'refresh_token' : this.#o.grant, shared === true);
    } catch (err) {
      const error = err instanceof TokenwardError ? err : new NetworkError(ErrorCode.NETWORK, `token request failed: ${(err as Error)?.message}`, { cause: err });
      this.#events.emit('error', error);
      throw error;
    } finally {
      if (release) await this.#store.call(release);
    }
  }

  #adopt(token: Token, how: 'grant' | 'refresh' | 'store', grant: string, shared = true): Token {
    const entry = makeEntry(token, { refreshSkew: this.#o.refreshSkew, revalidateMs: this.#store.revalidateMs, now: Date.now(), shared });
    this.#entry = entry;
    this.#events.emit('token', { how, grant, expiresAt: token.expiresAt, hasRefreshToken: token.refreshToken !== undefined, tokenType: token.tokenType });
    if (this.#o.proactive) this.#timer.schedule(entry, () => this.#refreshInBackground(entry));
    return token;
  }

  /**
   * Background re-read of a shared store for a token still fresh here: adopts a different token another
   * instance stored (it refreshed), drops ours when the shared entry is gone (another instance logged
   * off), and publishes ours when it never reached the store (acquired while the store was down).
   * A failing store changes nothing. Callers never wait for it.
   */
  #revalidate(entry: Entry): void {
    entry.checkAt = checkAtOf(entry.refreshAt, this.#store.revalidateMs, Date.now());
    if (this.#revalidating || this.#inflight) return;
    this.#revalidating = (async () => {
      let stored: Token | undefined;
      try {
        stored = await this.#store.getOrThrow();
      } catch (err) {
        this.#store.report(err);
        return;
      }
      if (this.#entry !== entry || this.#inflight) return;
      if (stored !== undefined) {
        if (stored.accessToken !== entry.token.accessToken && stored.accessToken !== this.#dropped && isFresh(stored, this.#o.refreshSkew)) this.#adopt(stored, 'store', 'store');
        else entry.shared = true;
      } else if (entry.shared) {
        this.#entry = undefined;
        this.#timer.clear();
      } else if (await this.#store.publish(entry.token)) {
        entry.shared = true;
      }
    })().finally(() => {
      this.#revalidating = undefined;
    });
  }

  /**
   * The proactive timer fired for `entry`: renew while it is still fresh, so callers never wait. Forced
   * (the cached token is still fresh); a failure keeps it for the callers, who renew on demand.
   */
  #refreshInBackground(entry: Entry): void {
    if (this.#entry !== entry || this.#inflight) return;
    this.#join(true).catch(() => {
      // Reported through the error event; callers retry on demand once the token is expiring.
    });
  }
}
