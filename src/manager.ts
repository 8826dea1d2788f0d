/**
 * `TokenManager`: one token kept valid for the life of a service. Roughly `reuse(refreshing(grant))`
 * plus an authenticated `fetch` and `logoff`.
 * @module
 */
import { createAuthFetch } from './auth-fetch.js';
import { cacheKey } from './cache-key.js';
import { ErrorCode, NetworkError, TokenwardError } from './errors.js';
import { Emitter, type TokenwardEvents } from './events.js';
import { releaseSession } from './logoff.js';
import { resolveOptions, type FetchLike, type ResolvedOptions, type TokenManagerOptions } from './options.js';
import { isRefreshRefused, TokenEndpoint } from './sources.js';
import { MemoryTokenStore, type TokenStore } from './store.js';
import type { Token } from './token.js';
import { createSend, resolveFetch, type Send } from './transport.js';

/** Options of {@link TokenManager.getToken}. */
export interface GetTokenOptions {
  /** Stops waiting (for this caller only: the shared request goes on for the others). */
  signal?: AbortSignal;
  /** Acquire a new token even if the cached one is still valid. */
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
   * API rejects it. Bound: pass `tm.fetch` wherever a `fetch` is expected.
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
      peekToken: () => this.peekToken(),
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
    // Hot path: a few property reads and a settled promise, no allocation.
    if (entry !== undefined && Date.now() < entry.checkAt && options?.forceRefresh !== true) return entry.promise;
    return this.#slow(options);
  }

  /** The cached token if it is still valid and not expiring, else `undefined`. Synchronous, no I/O. */
  peekToken(): Token | undefined {
    const entry = this.#entry;
    return entry !== undefined && Date.now() < entry.refreshAt ? entry.token : undefined;
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
    const inflight = this.#join(force, !force);
    return signal ? waitWithSignal(inflight, signal) : inflight;
  }

  /**
   * The acquisition in flight, or a new one. `keepOnFailure`: when it fails, hand out the cached token
   * if it is still usable (not for an explicit `forceRefresh`, which asked for a new token).
   */
  #join(force: boolean, keepOnFailure: boolean): Promise<Token> {
    let inflight = this.#inflight;
    if (inflight === undefined) {
      const started: Promise<Token> = this.#acquire(force, keepOnFailure).finally(() => {
        if (this.#inflight === started) this.#inflight = undefined;
      });
      this.#inflight = inflight = started;
    }
    return inflight;
  }

  async #acquire(force: boolean, keepOnFailure: boolean): Promise<Token> {
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
      // The old token is still good for a while: a blip at the token endpoint must not fail API calls.
      // Read the entry afresh: one invalidated (the API rejected it) or logged off meanwhile is not handed back.
      const current = this.#entry;
      if (keepOnFailure && current !== undefined && Date.now() < current.usableUntil && error.code !== ErrorCode.NO_LICENCE) return current.token;
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

  /** Background refresh shortly before the token starts expiring, so callers never wait. */
  #schedule(entry: Entry): void {
    this.#clearTimer();
    const lead = Math.min(5_000, (entry.refreshAt - entry.token.receivedAt) / 2);
    const delay = Math.max(0, entry.refreshAt - lead - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#entry !== entry || this.#inflight) return;
      // Forced (the cached token is still fresh), yet a failure keeps it: callers joining meanwhile are served.
      this.#join(true, true).catch(() => {
        // Reported through the error event; callers retry on demand once the token is expiring.
      });
    }, delay);
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
