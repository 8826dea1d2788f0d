/**
 * Where tokens live between calls. The default keeps them in memory; `tokenward/redis` shares them
 * across a fleet.
 * @module
 */
import type { Token } from './token.js';

/**
 * Storage for tokens, keyed by the manager's cache key (a hash: it never holds a secret).
 * Methods may be synchronous or return promises. A store that throws or rejects is reported through
 * the manager's `store-error` event and bypassed; it never fails a caller.
 *
 * @example
 * ```ts
 * import { TokenManager, type Token, type TokenStore } from 'tokenward';
 *
 * // A store over a key-value cache of your own (the token holds secrets: keep that cache private).
 * declare const kv: { get(k: string): Promise<string | null>; set(k: string, v: string): Promise<void>; del(k: string): Promise<void> };
 * const store: TokenStore = {
 *   async get(key) { const text = await kv.get(key); return text === null ? undefined : (JSON.parse(text) as Token); },
 *   set: (key, token) => kv.set(key, JSON.stringify(token)),
 *   delete: (key) => kv.del(key),
 * };
 * const tm = new TokenManager({ tokenUrl, clientId, clientSecret, store });
 * ```
 */
export interface TokenStore {
  /** The token stored under `key`, or `undefined`. */
  get(key: string): Token | undefined | Promise<Token | undefined>;
  /** Stores `token` under `key`, replacing any earlier one. */
  set(key: string, token: Token): void | Promise<void>;
  /** Forgets the token under `key`. */
  delete(key: string): void | Promise<void>;
  /**
   * Optional compare-and-delete: forgets the token under `key` only if its access token is `accessToken`,
   * in one atomic step, and returns whether it did. The manager uses it to drop a token the API rejected
   * without deleting a newer one another process stored meanwhile; without it, the manager reads and
   * then deletes, which a shared store cannot make atomic.
   */
  deleteIf?(key: string, accessToken: string): boolean | Promise<boolean>;
  /**
   * Optional, for stores shared by several processes: how long (ms) a manager serves its in-memory copy
   * before re-reading the store in the background, so it notices another instance's logoff or refresh.
   * The hot path stays a local read. Unset or `0`: never.
   */
  readonly revalidateMs?: number;
  /**
   * Optional cross-process single-flight: take a short lock on `key` before acquiring. Resolves to a
   * release function when the lock is held, or `undefined` when another process held it until
   * `waitMs` ran out, or early when the stored token changed meanwhile (the manager then re-reads the
   * store and acquires itself if still empty). `ttlMs` is the longest the lock may be held: the store
   * lets it lapse by then even if the holder never releases it, and may let it lapse sooner when the
   * holder is gone (a crashed process).
   */
  lock?(key: string, options: { ttlMs: number; waitMs: number; signal?: AbortSignal }): Promise<(() => Promise<void>) | undefined>;
  /**
   * Optional: a small JSON value (an issuer's discovery metadata) stored under `key`, or `undefined` when
   * there is none or its TTL ran out. Lets a fleet fetch an issuer's metadata once, not once per process.
   * Keys given here never collide with token keys.
   */
  getJson?(key: string): unknown | Promise<unknown>;
  /** Optional, with {@link TokenStore.getJson}: stores a small JSON-serialisable `value` under `key` for `ttlMs`. */
  setJson?(key: string, value: unknown, ttlMs: number): void | Promise<void>;
}

/**
 * The default store: a `Map` in this process. Like the Redis store re-bases a token on the key's TTL, it
 * re-bases each token it hands out on the monotonic clock: a wall clock stepped since the token was
 * stored moves its `expiresAt` along, so no manager adopts an expired token (or drops a good one) because
 * of the step.
 *
 * @example
 * ```ts
 * import { MemoryTokenStore, TokenManager } from 'tokenward';
 *
 * // Two managers for the same client in one process share a token through one store.
 * const store = new MemoryTokenStore({ maxEntries: 50 });
 * const orders = new TokenManager({ tokenUrl, clientId, clientSecret, store });
 * const billing = new TokenManager({ tokenUrl, clientId, clientSecret, store });
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, { token: Token; shift: number; at: number }>();
  readonly #maxEntries: number;
  readonly #json = new Map<string, { text: string; until: number }>();

  /**
   * @param options.maxEntries How many tokens it holds at most: past that, storing one first drops the
   * expired ones, then the oldest. @default 1000
   */
  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
  }

  /** @inheritdoc */
  get(key: string): Token | undefined {
    const held = this.#tokens.get(key);
    if (held === undefined) return undefined;
    // How far the wall clock moved against elapsed time since the token was stored.
    const step = Date.now() - held.at - (performance.now() - held.shift);
    if (Math.abs(step) < 1) return held.token;
    const t = held.token;
    return {
      ...t,
      expiresAt: t.expiresAt + step,
      receivedAt: t.receivedAt + step,
      ...(t.refreshExpiresAt !== undefined ? { refreshExpiresAt: t.refreshExpiresAt + step } : {}),
    };
  }

  /** @inheritdoc */
  set(key: string, token: Token): void {
    this.#tokens.delete(key);
    this.#tokens.set(key, { token, shift: performance.now(), at: Date.now() });
    if (this.#tokens.size > this.#maxEntries) this.#trim();
  }

  /** Drops expired tokens (those whose refresh token, if any, expired too), then the oldest, down to the bound. */
  #trim(): void {
    const now = Date.now();
    for (const [key, { token }] of this.#tokens) {
      const until = token.refreshToken !== undefined ? (token.refreshExpiresAt ?? Infinity) : token.expiresAt;
      if (until <= now) this.#tokens.delete(key);
    }
    for (const key of this.#tokens.keys()) {
      if (this.#tokens.size <= this.#maxEntries) break;
      this.#tokens.delete(key);
    }
  }

  /** @inheritdoc */
  delete(key: string): void {
    this.#tokens.delete(key);
  }

  /** @inheritdoc */
  deleteIf(key: string, accessToken: string): boolean {
    if (this.#tokens.get(key)?.token.accessToken !== accessToken) return false;
    return this.#tokens.delete(key);
  }

  /** @inheritdoc */
  getJson(key: string): unknown {
    const entry = this.#json.get(key);
    if (entry === undefined) return undefined;
    if (Date.now() >= entry.until) {
      this.#json.delete(key);
      return undefined;
    }
    // A copy, as a shared store would give: callers cannot change what others read.
    return JSON.parse(entry.text);
  }

  /** @inheritdoc */
  setJson(key: string, value: unknown, ttlMs: number): void {
    this.#json.set(key, { text: JSON.stringify(value), until: Date.now() + ttlMs });
  }
}
