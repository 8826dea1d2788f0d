/**
 * One cached token: the state behind one parameter set of a `TokenManager` (its entry, the acquisition
 * in flight, the tokens it retired, the 401 cool-down, store re-validation, the proactive timer and its
 * logoff). The manager is a bounded registry of these; `tm.fetch` and the undici interceptor reach one
 * through the narrow {@link SlotAccess} interface.
 * @module
 */

import { checkAtOf, type Entry, invalidatedEntry, isFresh, makeEntry } from './cache-entry.js';
import { aborted, type GetTokenOptions, waitWithSignal } from './caller.js';
import { readClock } from './clock.js';
import { ErrorCode, NetworkError, TokenwardError } from './errors.js';
import type { TokenwardEvents } from './events.js';
import { RefreshTimer } from './refresh-timer.js';
import { RenewalCooldown } from './renewal-cooldown.js';
import { logoffSlot } from './slot-logoff.js';
import { RetiredTokens, refreshBase, renewalBudgetMs } from './slot-support.js';
import type { SlotAccess, SlotContext } from './slot-types.js';
import type { StoreSlot } from './store-slot.js';
import type { Token } from './token.js';
import type { ResolvedParameters } from './token-params.js';
import { type AcquireTrace, cacheChannel, type LogoffTrace, SlotTrace } from './tracing.js';

export { RENEWAL_COOLDOWN_MS } from './renewal-cooldown.js';
export type { SlotAccess, SlotContext } from './slot-types.js';

/**
 * The token of one parameter set.
 * @internal Created by `TokenManager`; not part of the public API.
 */
export class TokenSlot implements SlotAccess {
  /** The store key (a hash: it never holds a secret). */
  readonly key: string;
  readonly parameters: ResolvedParameters;
  /** Set when the registry dropped this slot (least recently used); views then look their slot up again. */
  evicted = false;
  /** Registry bookkeeping: a tick of the last lookup. */
  lastUsed = 0;

  readonly #ctx: SlotContext;
  readonly #store: StoreSlot;
  #entry: Entry | undefined;
  #inflight: Promise<Token> | undefined;
  /** Access tokens this slot dropped or released, and refresh tokens it released: never adopted or presented again. */
  readonly #retired = new RetiredTokens();
  readonly #cooldown = new RenewalCooldown();
  #revalidating: Promise<void> | undefined;
  readonly #timer = new RefreshTimer();
  #loggingOff: Promise<void> | undefined;
  readonly #trace: SlotTrace;

  constructor(ctx: SlotContext, store: StoreSlot, parameters: ResolvedParameters) {
    this.#ctx = ctx;
    this.#store = store;
    this.key = store.key;
    this.parameters = parameters;
    this.#trace = new SlotTrace(ctx.manager, parameters.canonical !== '', ctx.options);
  }

  /**
   * A valid access token: the cached one without I/O, else one acquired (refresh token first, then the
   * grant). Concurrent callers share one request and its result or error.
   */
  getToken(options?: GetTokenOptions): Promise<Token> {
    const entry = this.#entry;
    // Hot path: a clock read, a comparison and a settled promise, no allocation. Options are looked at only
    // when given: an already-aborted signal is refused even on a cache hit, as fetch() refuses one.
    if (
      entry !== undefined &&
      performance.now() < entry.checkAt &&
      (options === undefined || (options.forceRefresh !== true && options.signal?.aborted !== true))
    ) {
      if (cacheChannel.hasSubscribers) this.#trace.lookedUp(true);
      return entry.promise;
    }
    return this.#slow(options);
  }

  /** The cached token if it is still valid and not expiring, else `undefined`. Synchronous, no I/O. */
  peek(): Token | undefined {
    const entry = this.#entry;
    return entry !== undefined && performance.now() < entry.refreshAt ? entry.token : undefined;
  }

  /** @inheritdoc */
  peekForRequest(): Token | undefined {
    const entry = this.#entry;
    if (entry === undefined || performance.now() >= entry.checkAt) return undefined;
    if (cacheChannel.hasSubscribers) this.#trace.lookedUp(true);
    return entry.token;
  }

  /** @inheritdoc */
  acquire(signal?: AbortSignal): Promise<Token> {
    return signal === undefined ? this.getToken() : this.getToken({ signal });
  }

  /** @inheritdoc */
  rejected(token: Token): boolean {
    if (!this.#cooldown.shouldRenew(token.accessToken, this.#entry?.token.accessToken === token.accessToken)) return false;
    this.invalidate(token);
    return true;
  }

  /** @inheritdoc */
  accepted(token: Token): void {
    this.#cooldown.accepted(token.accessToken);
  }

  /** @inheritdoc */
  replaying(rejection: TokenwardEvents['auth-replay']): void {
    this.#ctx.events.emit('auth-replay', rejection);
  }

  /** @inheritdoc */
  replayRejected(): void {
    this.#cooldown.start();
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
    this.#retired.add(entry.token.accessToken);
    this.#timer.clear();
    void this.#store.forget(entry.token.accessToken);
  }

  /** Releases this slot's session (see `TokenManager.logoff`). Idempotent while it runs. */
  logoff(): Promise<void> {
    this.#loggingOff ??= this.#trace
      .logoff((trace) => this.#logoff(trace))
      .finally(() => {
        this.#loggingOff = undefined;
      });
    return this.#loggingOff;
  }

  /** Stops the proactive timer; the registry calls this when it drops the slot. */
  evict(): void {
    this.evicted = true;
    this.#timer.clear();
  }

  /** Drops the cached token here and in the store, without any request (a dropped slot of a private store). */
  forget(): void {
    const entry = this.#entry;
    this.#entry = undefined;
    if (entry !== undefined) void this.#store.forget(entry.token.accessToken);
  }

  /** Whether the slot holds a token (cached or being acquired) that a logoff would release. */
  get holdsSession(): boolean {
    return this.#entry !== undefined || this.#inflight !== undefined;
  }

  async #logoff(trace?: LogoffTrace): Promise<void> {
    this.#timer.clear();
    // From now on the hot path misses and callers wait for this logoff, then acquire afresh.
    const cached = this.#entry;
    this.#entry = undefined;
    // A background re-validation may be about to publish the token: let it land first, then forget it.
    await this.#revalidating;
    // A token being acquired right now holds a session too: wait for it, then release it.
    while (this.#inflight) await this.#inflight.catch(() => undefined);
    this.#timer.clear();
    const landed = this.#entry;
    this.#entry = undefined;
    if (cached !== undefined) this.#retire(cached.token);
    await logoffSlot(landed ?? cached, {
      ctx: this.#ctx,
      store: this.#store,
      parameters: this.parameters,
      retire: (token) => this.#retire(token),
      trace,
    });
  }

  /** The released token and its refresh token are never adopted or presented again. */
  #retire(token: Token): void {
    this.#retired.add(token.accessToken);
    if (token.refreshToken !== undefined) this.#retired.add(token.refreshToken);
  }

  #slow(options: GetTokenOptions | undefined): Promise<Token> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    const closing = this.#loggingOff ?? this.#ctx.managerLogoff();
    if (closing !== undefined) {
      // A call made during logoff waits for it, then acquires afresh: never a session logoff will not release.
      const after = closing.catch(() => undefined).then(() => this.#slow(options));
      return signal ? waitWithSignal(after, signal) : after;
    }
    const entry = this.#entry;
    // Re-validation against a shared store is due but the token is still fresh: serve it, re-read in the background.
    if (entry !== undefined && options?.forceRefresh !== true && performance.now() < entry.refreshAt) {
      this.#revalidate(entry);
      if (cacheChannel.hasSubscribers) this.#trace.lookedUp(true);
      return entry.promise;
    }
    if (cacheChannel.hasSubscribers) this.#trace.lookedUp(false);
    const force = options?.forceRefresh === true;
    // The fallback to a still-usable token is each caller's, not the acquisition's: a forceRefresh that
    // joins an ordinary (or background) renewal asked for a new token and gets its error, not the old one.
    const inflight = force ? this.#join(true) : this.#join(false).catch(this.#keepOnFailure);
    return signal ? waitWithSignal(inflight, signal) : inflight;
  }

  /** The acquisition in flight, or a new one. It rejects on failure; callers choose whether to fall back. */
  #join(force: boolean, background = false): Promise<Token> {
    let inflight = this.#inflight;
    if (inflight === undefined) {
      const started: Promise<Token> = this.#trace
        .acquire(force, background, (trace) => this.#acquire(force, trace))
        .finally(() => {
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
    if (current !== undefined && performance.now() < current.usableUntil && error.code !== ErrorCode.NO_LICENCE) return current.token;
    throw error;
  };

  /** Whether a token read from the store may be adopted: fresh, and nothing this slot retired. */
  #adoptable(token: Token | undefined): token is Token {
    return (
      token !== undefined &&
      isFresh(token, this.#ctx.options.refreshSkew) &&
      !this.#retired.has(token.accessToken) &&
      !(token.refreshToken !== undefined && this.#retired.has(token.refreshToken))
    );
  }

  async #acquire(force: boolean, trace?: AcquireTrace): Promise<Token> {
    const o = this.#ctx.options;
    const previous = this.#entry;
    let release: (() => Promise<void>) | undefined;
    try {
      // Another manager (or process, with a shared store) may already hold a fresh token.
      let stored = force ? undefined : await this.#store.get();
      if (this.#adoptable(stored)) return this.#adopt(stored, 'store', 'store', true, trace);
      let lockMissed = false;
      if (this.#store.canLock) {
        // The lock covers the holder's whole renewal (retries, probing, the fallback grant), and waiters
        // wait that long: a waiter that gave up early would present the refresh token the holder is using,
        // and servers with reuse detection (oidc-provider, Okta, Auth0) then revoke the whole family.
        const budget = renewalBudgetMs(o);
        const deadline = performance.now() + budget;
        for (;;) {
          const lock = await this.#store.lock({ ttlMs: budget, waitMs: Math.max(0, Math.floor(deadline - performance.now())) });
          release = lock.release;
          // Whoever held the lock may have stored a fresh token meanwhile.
          stored = await this.#store.get();
          if (this.#adoptable(stored) && (!force || stored.accessToken !== previous?.token.accessToken))
            return this.#adopt(stored, 'store', 'store', true, trace);
          // Held, or the store failed (no sharing now: go on alone), or waited the holder's whole budget.
          if (!lock.missed || performance.now() >= deadline) {
            lockMissed = lock.missed;
            break;
          }
          // Woken early by a change in the store that left nothing to adopt: wait for the lock again.
        }
      }
      const base = lockMissed ? undefined : refreshBase(previous, stored, this.#retired);
      if (trace !== undefined) trace.refreshTokenUsed = base !== undefined;
      const { token, how } = await this.#ctx.endpoint.renew(base, this.parameters, trace);
      const shared = await this.#store.publish(token);
      return this.#adopt(token, how, how === 'refresh' ? 'refresh_token' : o.grant, shared === true, trace);
    } catch (err) {
      const error =
        err instanceof TokenwardError
          ? err
          : new NetworkError(ErrorCode.NETWORK, `token request failed unexpectedly: ${(err as Error)?.message}`, { cause: err });
      this.#ctx.events.emit('error', error);
      throw error;
    } finally {
      if (release) await this.#store.call(release);
    }
  }

  #adopt(token: Token, how: 'grant' | 'refresh' | 'store', grant: string, shared = true, trace?: AcquireTrace): Token {
    if (trace !== undefined) trace.how = how;
    this.#cooldown.adopted(token.accessToken);
    const entry = makeEntry(token, { refreshSkew: this.#ctx.options.refreshSkew, revalidateMs: this.#store.revalidateMs, clock: readClock(), shared });
    this.#entry = entry;
    this.#ctx.events.emit('token', { how, grant, expiresAt: token.expiresAt, hasRefreshToken: token.refreshToken !== undefined, tokenType: token.tokenType });
    if (this.#ctx.options.proactive && !this.evicted) this.#timer.schedule(entry, () => this.#refreshInBackground(entry));
    return token;
  }

  /**
   * Background re-read of a shared store for a token still fresh here: adopts a different token another
   * instance stored (it refreshed), drops ours when the shared entry is gone (another instance logged
   * off), and publishes ours when the store does not hold it (acquired while the store was down, or the
   * store holds an older, stale token). A failing store changes nothing. Callers never wait for it.
   */
  #revalidate(entry: Entry): void {
    entry.checkAt = checkAtOf(entry.refreshAt, this.#store.revalidateMs, performance.now());
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
      if (stored?.accessToken === entry.token.accessToken) entry.shared = true;
      else if (this.#adoptable(stored)) this.#adopt(stored, 'store', 'store');
      else if (stored === undefined && entry.shared) {
        this.#entry = undefined;
        this.#timer.clear();
      } else if (await this.#store.publish(entry.token)) {
        // Nothing there that was ours, or an older token (stale, or one this slot dropped): ours is the fleet's now.
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
    if (this.#entry !== entry || this.#inflight || this.#loggingOff) return;
    this.#join(true, true).catch(() => {
      // Reported through the error event; callers retry on demand once the token is expiring.
    });
  }
}
