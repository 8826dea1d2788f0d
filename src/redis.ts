/**
 * `tokenward/redis`: a `TokenStore` on Redis, so a fleet of service instances shares one token.
 *
 * Works with a client the caller creates and connects: node-redis v4+ (`createClient` from `redis`)
 * or ioredis, told apart by API shape. Neither is imported here. Every command has a timeout and a
 * failing Redis is skipped quickly (a small circuit breaker), so the manager falls back to its own
 * memory and the token endpoint instead of waiting on an offline queue or a reconnect loop.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, ErrorCode, TokenwardError } from './errors.js';
import { adapt, guardErrorEvents, type IORedisLike, type NodeRedisLike, type RedisCommander, safeError } from './redis-client.js';
import { decodeEntry, encodeEntry } from './redis-codec.js';
import { sleep } from './sleep.js';
import type { TokenStore } from './store.js';
import type { Token } from './token.js';

export type { IORedisLike, NodeRedisLike, RedisCommander };

/**
 * Options of {@link RedisTokenStore}.
 *
 * @example
 * ```ts
 * import { RedisTokenStore, type RedisTokenStoreOptions } from 'tokenward/redis';
 *
 * // Redis a little further away: a longer command timeout, and no background re-reads.
 * const options: RedisTokenStoreOptions = { prefix: 'orders-api', commandTimeoutMs: 1500, revalidateMs: 0 };
 * const store = new RedisTokenStore(redis, options);
 * ```
 */
export interface RedisTokenStoreOptions {
  /** Namespace of every key: tokens live at `<prefix>:<cacheKey>`, locks at `<prefix>:<cacheKey>:lock`. @default 'tokenward' */
  prefix?: string;
  /** Longest wait for one Redis command before the store counts Redis as down, ms. @default 500 */
  commandTimeoutMs?: number;
  /** While Redis is down, commands fail at once; one probe goes through per this interval, ms. @default 1000 */
  retryAfterMs?: number;
  /**
   * TTL of the acquisition lock, ms. The holder extends it while alive (but not past the `ttlMs` the
   * manager asks for), so this is how long a holder that died blocks the others. Capped at that `ttlMs`.
   * @default half the manager's wait (its `timeout`), between 250 and 5000
   */
  lockTtlMs?: number;
  /**
   * How long the entry outlives its access token when the token has a refresh token whose lifetime the
   * server did not state (`refresh_expires_in`), ms. The fleet's newest refresh token must outlive the
   * access token: with rotation, an instance that renews after the entry is gone would send an older,
   * already used refresh token, be refused, and fall back to a new grant (on Jim2Server, another licence).
   * When the server states the refresh token's lifetime, the entry lives exactly that long. `0`: the
   * entry goes with the access token. @default 7200000 (2 hours: Veeam's refresh tokens live 120 minutes)
   */
  refreshTokenTtlMs?: number;
  /**
   * How long a manager serves its in-memory copy before re-reading the store in the background, ms, so it
   * notices another instance's logoff or refresh. `0` turns it off. @default 5000
   */
  revalidateMs?: number;
}

/**
 * The value and its remaining TTL in one step: read separately, a SET between the two would pair an old
 * value with a new TTL (or the reverse), and a token would be re-based onto the wrong expiry. A
 * missing key comes back as `{nil, -2}`.
 */
const READ = "return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}";
/** Releases the lock only if this owner still holds it: a holder whose lock expired must not free the next one's. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
/** Extends the lock only if this owner still holds it. */
const EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
/**
 * Deletes the token entry only if it still holds this access token: an instance dropping a rejected token
 * must not delete the newer one another instance stored between its read and its delete.
 */
const DELETE_IF = [
  "local v = redis.call('GET', KEYS[1])",
  'if not v then return 0 end',
  'local ok, d = pcall(cjson.decode, v)',
  "if ok and type(d) == 'table' and type(d.token) == 'table' and d.token.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
  'return 0',
].join('\n');

/** Default of {@link RedisTokenStoreOptions.refreshTokenTtlMs}. */
const REFRESH_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;

const POLL_MIN_MS = 5;
const POLL_MAX_MS = 100;

/**
 * A {@link TokenStore} on Redis for fleet-wide token sharing and cross-process single-flight.
 * The store holds live tokens: give it a Redis user limited to its keys, over TLS (see docs/fleet.md).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { TokenManager } from 'tokenward';
 * import { RedisTokenStore } from 'tokenward/redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect();
 * const tm = new TokenManager({ tokenUrl, clientId, clientSecret, store: new RedisTokenStore(redis) });
 * ```
 */
export class RedisTokenStore implements TokenStore {
  /** Read by the manager: how often it re-reads the store for a token it already holds. */
  readonly revalidateMs: number;

  readonly #send: RedisCommander;
  readonly #ready: () => boolean | undefined;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #lockTtlMs: number | undefined;
  readonly #refreshTokenTtlMs: number;
  /** Set while Redis counts as down; commands fail fast until `#probeAt`. */
  #down = false;
  #probeAt = 0;

  /**
   * @throws {ConfigError} when `client` is neither node-redis, ioredis nor a function, or an option is
   * unknown or not what it should be (every duration is a whole number of ms).
   */
  constructor(client: NodeRedisLike | IORedisLike | RedisCommander, options: RedisTokenStoreOptions = {}) {
    const adapter = adapt(client);
    this.#send = adapter.send;
    this.#ready = adapter.ready;
    const o = checkOptions(options);
    this.#prefix = o.prefix ?? 'tokenward';
    this.#timeoutMs = o.commandTimeoutMs ?? 500;
    this.#retryAfterMs = o.retryAfterMs ?? 1000;
    this.#lockTtlMs = o.lockTtlMs;
    this.#refreshTokenTtlMs = o.refreshTokenTtlMs ?? REFRESH_TOKEN_TTL_MS;
    this.revalidateMs = o.revalidateMs ?? 5000;
    guardErrorEvents(client);
  }

  /** The Redis key a manager's token lives under. */
  keyFor(cacheKey: string): string {
    return `${this.#prefix}:${cacheKey}`;
  }

  /**
   * The stored token, its expiry re-based on this host's clock from the key's remaining TTL, so clock
   * skew between hosts does not shorten or stretch a token's life. The entry outlives its access token
   * while the refresh token may still be good (see `refreshTokenTtlMs`): such a token comes back with
   * `expiresAt` in the past, and the manager renews from its refresh token instead of adopting it.
   */
  async get(key: string): Promise<Token | undefined> {
    const reply = await this.#run(['EVAL', READ, '1', this.keyFor(key)], 'GET+PTTL');
    const [value, pttl] = Array.isArray(reply) ? reply : [];
    const stored = decodeEntry(value);
    const remaining = Number(pttl);
    if (stored === undefined || !(remaining > 0)) return undefined;
    const { token, tailMs } = stored;
    const expiresAt = Date.now() + remaining - tailMs;
    const shift = expiresAt - token.expiresAt;
    return {
      ...token,
      expiresAt,
      receivedAt: token.receivedAt + shift,
      ...(token.refreshExpiresAt !== undefined ? { refreshExpiresAt: token.refreshExpiresAt + shift } : {}),
    };
  }

  /**
   * Stores `token` in one `SET key value PX ms`, refresh token included. The key lives as long as the
   * access token, or longer when there is a refresh token: until `refreshExpiresAt` when the server said,
   * else `refreshTokenTtlMs` past the access token's expiry.
   */
  async set(key: string, token: Token): Promise<void> {
    const now = Date.now();
    const life = Math.floor(token.expiresAt - now);
    let ttl = life;
    if (token.refreshToken !== undefined) {
      ttl = token.refreshExpiresAt !== undefined ? Math.max(life, Math.floor(token.refreshExpiresAt - now)) : life + this.#refreshTokenTtlMs;
    }
    if (ttl <= 0) return;
    await this.#run(['SET', this.keyFor(key), encodeEntry(token, ttl - life), 'PX', String(ttl)]);
  }

  /** Deletes the shared entry: the other instances notice on their next re-validation or renewal. */
  async delete(key: string): Promise<void> {
    await this.#run(['DEL', this.keyFor(key)]);
  }

  /**
   * Deletes the shared entry only if it still holds `accessToken`, atomically (a Lua script): a newer
   * token another instance stored meanwhile stays. Resolves to whether it deleted.
   */
  async deleteIf(key: string, accessToken: string): Promise<boolean> {
    return Number(await this.#run(['EVAL', DELETE_IF, '1', this.keyFor(key), accessToken], 'compare-and-delete')) === 1;
  }

  /**
   * `SET <key>:lock <owner> NX PX ttl`, polled with backoff until `waitMs` runs out. A waiter stops early
   * (resolving `undefined`) when the token under `key` changes, meaning the holder stored a new one: it
   * reads the token only after a `SET NX` that did not take the lock, so a failed read never leaves a
   * lock behind that nobody releases.
   * The lock's TTL is short (`lockTtlMs`), so a holder that died blocks the others briefly; a live
   * holder's lock is extended by a watchdog, but never past `ttlMs` after it was taken, so a holder that
   * hangs cannot keep it for good. It is released by a compare-and-delete script.
   */
  async lock(key: string, options: { ttlMs: number; waitMs: number; signal?: AbortSignal }): Promise<(() => Promise<void>) | undefined> {
    const k = this.keyFor(key);
    const lockKey = `${k}:lock`;
    const owner = randomUUID();
    const maxHoldMs = options.ttlMs > 0 ? options.ttlMs : Infinity;
    const lapseMs = this.#lockTtlMs ?? Math.min(5000, Math.max(250, Math.floor(options.waitMs / 2)));
    const ttl = Math.max(1, Math.floor(Math.min(lapseMs, maxHoldMs)));
    const deadline = Date.now() + options.waitMs;
    let baseline: unknown;
    let delay = POLL_MIN_MS;
    for (let first = true; ; first = false) {
      if ((await this.#run(['SET', lockKey, owner, 'NX', 'PX', String(ttl)])) === 'OK') break;
      const current = await this.#run(['GET', k]);
      if (first) baseline = current;
      else if (current !== baseline && current != null) return undefined;
      if (options.signal?.aborted || Date.now() + delay > deadline) return undefined;
      await sleep(delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
    const holdUntil = Date.now() + maxHoldMs;
    const watchdog = setInterval(
      () => {
        const left = Math.floor(holdUntil - Date.now());
        if (left <= 0) {
          // Held for `ttlMs`: stop extending and let the lock lapse by its TTL.
          clearInterval(watchdog);
          return;
        }
        this.#run(['EVAL', EXTEND, '1', lockKey, owner, String(Math.min(ttl, left))], 'lock extend').catch(() => {
          // Redis is gone or slow: the lock lapses by TTL, which is the safe outcome.
        });
      },
      Math.max(50, Math.floor(ttl / 3)),
    );
    watchdog.unref();
    return async () => {
      clearInterval(watchdog);
      await this.#run(['EVAL', RELEASE, '1', lockKey, owner], 'lock release');
    };
  }

  /** A small JSON value (discovery metadata) under `<prefix>:json:<key>`, or `undefined`. */
  async getJson(key: string): Promise<unknown> {
    const value = await this.#run(['GET', `${this.#prefix}:json:${key}`]);
    if (typeof value !== 'string') return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }

  /** Stores a small JSON value under `<prefix>:json:<key>` for `ttlMs` (`SET … PX`). */
  async setJson(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#run(['SET', `${this.#prefix}:json:${key}`, JSON.stringify(value), 'PX', String(Math.max(1, Math.floor(ttlMs)))]);
  }

  /** One command (`what` names it in errors), bounded by the command timeout; fails fast while Redis counts as down. */
  async #run(args: string[], what = args[0]!): Promise<unknown> {
    if (this.#down && (Date.now() < this.#probeAt || this.#ready() === false)) {
      throw new TokenwardError(ErrorCode.STORE, 'redis unavailable; skipping the shared store until it answers again');
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: TokenwardError | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        timedOut = new TokenwardError(ErrorCode.STORE, `redis ${what} got no answer within ${this.#timeoutMs} ms`);
        reject(timedOut);
      }, this.#timeoutMs);
    });
    let command: Promise<unknown>;
    try {
      command = this.#send(args, controller.signal);
    } catch (err) {
      // A command function that throws at once is a failed command like any other (and gets the same scrubbing).
      command = Promise.reject(err);
    }
    command.catch(() => {
      // A late failure after the timeout already answered the caller.
    });
    try {
      const reply = await Promise.race([command, timeout]);
      this.#down = false;
      return reply;
    } catch (err) {
      this.#down = true;
      this.#probeAt = Date.now() + this.#retryAfterMs;
      if (err !== undefined && err === timedOut) throw err;
      const cause = safeError(err, args);
      throw new TokenwardError(ErrorCode.STORE, `redis ${what} failed: ${cause.message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}

const OPTIONS = {
  prefix: 'a non-empty string',
  commandTimeoutMs: 'positive',
  retryAfterMs: 'positive',
  lockTtlMs: 'positive',
  refreshTokenTtlMs: 'non-negative',
  revalidateMs: 'non-negative',
} as const;

/** Longest duration a timer can wait (setTimeout's limit): longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Every option checked once, by name: durations are whole numbers of ms (`PX 7200000.5` is refused by
 * Redis, so a fractional `refreshTokenTtlMs` would make every publish fail quietly), and an unknown key
 * (`lockTTLMs`) is a mistake, not something to ignore. A key set to `undefined` means the default.
 */
function checkOptions(options: RedisTokenStoreOptions): RedisTokenStoreOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError(`RedisTokenStore options must be an object, got ${String(options)}`);
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(OPTIONS, name)) {
      throw new ConfigError(`RedisTokenStore has no option \`${name}\` (known: ${Object.keys(OPTIONS).join(', ')})`);
    }
    if (value === undefined) continue;
    const kind = OPTIONS[name as keyof typeof OPTIONS];
    if (kind === 'a non-empty string') {
      if (typeof value !== 'string' || value === '')
        throw new ConfigError(`RedisTokenStore option \`${name}\` must be a non-empty string, got ${describe(value)}`);
      continue;
    }
    if (!(Number.isSafeInteger(value) && (value as number) >= (kind === 'positive' ? 1 : 0))) {
      throw new ConfigError(`RedisTokenStore option \`${name}\` must be a whole number of ms ${kind === 'positive' ? '> 0' : '>= 0'}, got ${describe(value)}`);
    }
    // A refresh token may outlive any timer (Okta's live up to 90 days); the other options feed timers.
    if (name !== 'refreshTokenTtlMs' && (value as number) > MAX_TIMER_MS) {
      throw new ConfigError(`RedisTokenStore option \`${name}\` must be at most ${MAX_TIMER_MS} ms (the longest a timer waits), got ${describe(value)}`);
    }
  }
  return options;
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'object' && value !== null
      ? Array.isArray(value)
        ? 'an array'
        : 'an object'
      : String(value);
}
