/**
 * `TokenManager`: one token kept valid for the life of a service. Roughly `reuse(refreshing(grant))`
 * plus an authenticated `fetch` and `logoff`.
 * @module
 */
import { createAuthFetch } from './auth-fetch.js';
import { cacheKey } from './cache-key.js';
import { ErrorCode, NetworkError, TokenwardError, type ConfigError } from './errors.js';
import { Emitter, type TokenwardEvents } from './events.js';
import { releaseSession } from './logoff.js';
import { resolveOptions, type FetchLike, type ResolvedOptions, type TokenManagerOptions } from './options.js';
import { isRefreshRefused, TokenEndpoint } from './sources.js';
import { MemoryTokenStore, type TokenStore } from './store.js';
import type { Token } from './token.js';
import { createSend, resolveFetch, type Send } from './transport.js';

/** Options of {@link TokenManager.getToken}. */
export interface GetTokenOptions {
  /**
   * Stops waiting (for this caller only: the shared request goes on for the others). Rejects with code
   * `ERR_TOKENWARD_ABORTED`; an already-aborted signal rejects at once, even when a token is cached.
   */
  signal?: AbortSignal;
  /**
   * Acquire a new token even if the cached one is still valid. Joins an acquisition already in flight;
   * if that fails, this caller gets the error (never the old token, which others may still be served).
   */
  forceRefresh?: boolean;
}

/** A cached token and what the hot path needs to know about it, computed once. */
interface Entry {
  readonly token: Token;
  /** Epoch ms from which the token counts as expiring. -Infinity once invalidated. */
  readonly refreshAt: number;
  /** Until when the token may still be handed out if a renewal fails. -Infinity once invalidated. */
  readonly usableUntil: number;
  /** A settled promise of `token`, so a cache hit allocates nothing. */
  readonly promise: Promise<Token>;
  /**
   * Until when the hot path serves the entry without a look at the store: `refreshAt`, or earlier when a
   * shared store asks for re-validation (`TokenStore.revalidateMs`). Each re-validation moves it on.
   */
  checkAt: number;
  /** Whether the token is known to be in the store (adopted from it, or written to it without error). */
  shared: boolean;
}

/** A refresh token whose expiry is this close counts as dead: skip a refresh that is already doomed. */
const REFRESH_TOKEN_MARGIN_MS = 5_000;

/**
 * The longest delay `setTimeout` takes. Node fires a longer one after 1 ms (with a warning), which for a
 * 60-day token meant a token request every millisecond; a longer wait is cut into steps of this size.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** The least time between a token being adopted and the next background refresh, however short its life. */
const MIN_BACKGROUND_REFRESH_MS = 1_000;

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
  readonly #store: TokenStore;
  readonly #send: Send;
  readonly #events = new Emitter();
  #entry: Entry | undefined;
  #inflight: Promise<Token> | undefined;
  /**
   * The access token this manager last dropped (invalidated or logged off). Never adopted from the store
   * again, even when the store failed to forget it or its deletion has not landed yet.
   */
  #dropped: string | undefined;
  #revalidating: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #loggingOff: Promise<void> | undefined;

  /** @throws {ConfigError} when an option is wrong, naming it. */
  constructor(options: TokenManagerOptions) {
    this.#o = resolveOptions(options);
    const fetchImpl = resolveFetch(this.#o.fetch, this.#o.dispatcher);
    this.#send = createSend({ fetch: fetchImpl, timeout: this.#o.timeout, maxResponseBytes: this.#o.maxResponseBytes });
    this.#endpoint = new TokenEndpoint(this.#o, this.#send, this.#events);
    this.#store = this.#o.store ?? new MemoryTokenStore();
    this.cacheKey = cacheKey(this.#o);
    const { onToken, onError, onRetry } = this.#o.hooks;
    if (onToken) this.#events.on('token', onToken);
    if (onError) this.#events.on('error', onError);
    if (onRetry) this.#events.on('retry', onRetry);
    this.fetch = createAuthFetch({
      fetch: fetchImpl,
      options: this.#o,
      getToken: (signal) => (signal ? this.getToken({ signal }) : this.getToken()),
      peekToken: () => this.peekForRequest(),
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
   * Drops the cached access token so the next call acquires a new one (by refresh token where there is
   * one). With `token`, drops it only if it is still the cached one: N callers that saw the same rejected
   * token cause one renewal, not N.
   */
  invalidate(token?: Token): void {
    const entry = this.#entry;
    if (entry === undefined || (token !== undefined && entry.token.accessToken !== token.accessToken)) return;
    this.#entry = { token: entry.token, refreshAt: -Infinity, usableUntil: -Infinity, promise: entry.promise, checkAt: -Infinity, shared: entry.shared };
    this.#dropped = entry.token.accessToken;
    this.#clearTimer();
    void this.#storeCall(async () => {
      // Atomic where the store can: a get-then-delete could delete a newer token another process stored in between.
      if (this.#store.deleteIf) {
        await this.#store.deleteIf(this.cacheKey, entry.token.accessToken);
        return;
      }
      const stored = await this.#store.get(this.cacheKey);
      if (stored?.accessToken === entry.token.accessToken) await this.#store.delete(this.cacheKey);
    });
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
    this.#clearTimer();
    // A background re-validation may be about to publish the token: let it land first, then delete it.
    await this.#revalidating;
    // A token being acquired right now holds a session too: wait for it, then release it.
    while (this.#inflight) await this.#inflight.catch(() => undefined);
    // The acquisition just awaited may have scheduled a proactive refresh: stop it too.
    this.#clearTimer();
    let token = this.#entry?.token;
    this.#entry = undefined;
    if (token === undefined) token = await this.#storeCall(() => this.#store.get(this.cacheKey));
    // Should the store fail to forget it, this released token must still never be adopted again.
    if (token !== undefined) this.#dropped = token.accessToken;
    await this.#storeCall(() => this.#store.delete(this.cacheKey));
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
    const key = this.cacheKey;
    let release: (() => Promise<void>) | undefined;
    try {
      // Another manager (or process, with a shared store) may already hold a fresh token.
      // A token this manager saw rejected must not come back from the store before its deletion lands.
      const rejected = previous !== undefined && previous.usableUntil === -Infinity ? previous.token.accessToken : undefined;
      const adoptable = (t: Token | undefined): t is Token =>
        t !== undefined && isFresh(t, this.#o.refreshSkew) && t.accessToken !== rejected && t.accessToken !== this.#dropped;
      let stored = force ? undefined : await this.#storeCall(() => this.#store.get(key));
      if (adoptable(stored)) return this.#adopt(stored, 'store', 'store');
      const lock = this.#store.lock;
      if (lock) {
        release = await this.#storeCall(() => lock.call(this.#store, key, { ttlMs: this.#o.timeout * 2, waitMs: this.#o.timeout }));
        // Whoever held the lock may have stored a fresh token meanwhile.
        stored = await this.#storeCall(() => this.#store.get(key));
        if (adoptable(stored) && (!force || stored.accessToken !== previous?.token.accessToken)) {
          return this.#adopt(stored, 'store', 'store');
        }
      }
      // The newest refresh token wins: a store shared by a fleet may hold a rotated one.
      const base = stored?.refreshToken !== undefined && stored.receivedAt >= (previous?.token.receivedAt ?? 0) ? stored : previous?.token;
      const { token, how } = await this.#renew(base);
      const shared = await this.#storeCall(async () => {
        await this.#store.set(key, token);
        return true;
      });
      return this.#adopt(token, how, how === 'refresh' ? 'refresh_token' : this.#o.grant, shared === true);
    } catch (err) {
      const error = err instanceof TokenwardError ? err : new NetworkError(ErrorCode.NETWORK, `token request failed: ${(err as Error)?.message}`, { cause: err });
      this.#events.emit('error', error);
      throw error;
    } finally {
      if (release) await this.#storeCall(release);
    }
  }

  async #renew(base: Token | undefined): Promise<{ token: Token; how: 'grant' | 'refresh' }> {
    if (base?.refreshToken !== undefined && (base.refreshExpiresAt === undefined || Date.now() < base.refreshExpiresAt - REFRESH_TOKEN_MARGIN_MS)) {
      try {
        return { token: await this.#endpoint.refresh(base), how: 'refresh' };
      } catch (err) {
        if (!isRefreshRefused(err)) throw err;
        this.#events.emit('refresh-fallback', { error: err });
      }
    }
    return { token: await this.#endpoint.grant(), how: 'grant' };
  }

  #adopt(token: Token, how: 'grant' | 'refresh' | 'store', grant: string, shared = true): Token {
    const lifetime = token.expiresAt - token.receivedAt;
    // Never more than half the lifetime, so a 10-second token still gets 5 seconds of use.
    const skew = Math.min(this.#o.refreshSkew * 1000, lifetime / 2);
    const refreshAt = token.expiresAt - skew;
    const every = this.#store.revalidateMs;
    const checkAt = every ? Math.min(refreshAt, Date.now() + every) : refreshAt;
    const entry: Entry = { token, refreshAt, usableUntil: token.expiresAt, promise: Promise.resolve(token), checkAt, shared };
    this.#entry = entry;
    this.#events.emit('token', { how, grant, expiresAt: token.expiresAt, hasRefreshToken: token.refreshToken !== undefined, tokenType: token.tokenType });
    if (this.#o.proactive) this.#schedule(entry);
    return token;
  }

  /**
   * Background re-read of a shared store for a token still fresh here: adopts a different token another
   * instance stored (it refreshed), drops ours when the shared entry is gone (another instance logged
   * off), and publishes ours when it never reached the store (acquired while the store was down).
   * A failing store changes nothing. Callers never wait for it.
   */
  #revalidate(entry: Entry): void {
    const every = this.#store.revalidateMs;
    entry.checkAt = every ? Math.min(entry.refreshAt, Date.now() + every) : entry.refreshAt;
    if (this.#revalidating || this.#inflight) return;
    const key = this.cacheKey;
    this.#revalidating = (async () => {
      let stored: Token | undefined;
      try {
        stored = await this.#store.get(key);
      } catch (err) {
        this.#storeError(err);
        return;
      }
      if (this.#entry !== entry || this.#inflight) return;
      if (stored !== undefined) {
        if (stored.accessToken !== entry.token.accessToken && stored.accessToken !== this.#dropped && isFresh(stored, this.#o.refreshSkew)) this.#adopt(stored, 'store', 'store');
        else entry.shared = true;
      } else if (entry.shared) {
        this.#entry = undefined;
        this.#clearTimer();
      } else {
        const published = await this.#storeCall(async () => {
          await this.#store.set(key, entry.token);
          return true;
        });
        if (published) entry.shared = true;
      }
    })().finally(() => {
      this.#revalidating = undefined;
    });
  }

  /**
   * Background refresh shortly before the token starts expiring, so callers never wait. Never sooner
   * than {@link MIN_BACKGROUND_REFRESH_MS} after the token arrived, and not at all for a token that is
   * expiring already (`expires_in: 0`, a JWT past its `exp`): renewing it would only fetch another such
   * token, in a loop. Callers then acquire on demand.
   */
  #schedule(entry: Entry): void {
    this.#clearTimer();
    const now = Date.now();
    if (entry.refreshAt <= now) return;
    const lead = Math.min(5_000, (entry.refreshAt - entry.token.receivedAt) / 2);
    this.#arm(entry, Math.max(entry.refreshAt - lead, now + MIN_BACKGROUND_REFRESH_MS));
  }

  /** Sets the timer for `at` (epoch ms), in steps of at most {@link MAX_TIMER_MS}. */
  #arm(entry: Entry, at: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#entry !== entry) return;
      // A long wait is served in steps: not there yet, wait on.
      if (Date.now() < at) return this.#arm(entry, at);
      if (this.#inflight) return;
      // Forced (the cached token is still fresh); a failure keeps it for the callers, who renew on demand.
      this.#join(true).catch(() => {
        // Reported through the error event; callers retry on demand once the token is expiring.
      });
    }, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Runs a store operation; a failing store is reported and bypassed, never fatal. */
  async #storeCall<T>(op: () => T | Promise<T>): Promise<Awaited<T> | undefined> {
    try {
      return await op();
    } catch (err) {
      this.#storeError(err);
      return undefined;
    }
  }

  #storeError(err: unknown): void {
    this.#events.emit('store-error', new TokenwardError(ErrorCode.STORE, `token store failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
  }
}

function isFresh(token: Token, skewSeconds: number): boolean {
  const skew = Math.min(skewSeconds * 1000, (token.expiresAt - token.receivedAt) / 2);
  return Date.now() < token.expiresAt - skew;
}

function aborted(signal: AbortSignal): NetworkError {
  return new NetworkError(ErrorCode.ABORTED, 'getToken() was aborted by the caller', { cause: signal.reason });
}

/** Waits for the shared promise, or rejects this caller alone when its signal fires. */
function waitWithSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
