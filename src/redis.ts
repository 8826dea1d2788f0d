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
import { scrub } from './redact.js';
import type { TokenStore } from './store.js';
import type { Token } from './token.js';

/** The part of a node-redis v4/v5 client used here. */
export interface NodeRedisLike {
  sendCommand(args: string[], options?: object): Promise<unknown>;
  readonly isReady: boolean;
}

/** The part of an ioredis client (or `Cluster`) used here. */
export interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  readonly status: string;
}

/** Any other client: a function that sends one command (`['SET', key, value, 'PX', '1000']`) and resolves to its reply. */
export type RedisCommander = (args: string[], signal: AbortSignal) => Promise<unknown>;

/** Options of {@link RedisTokenStore}. */
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
 * Stored value: a version tag and the token. The refresh token travels with the access token, in one SET.
 * `v: 1` when the key expires with the access token; `v: 2` when it outlives it by `tailMs` (to keep the
 * refresh token), so a reader can tell the access token's remaining life from the key's TTL. Readers of
 * `v: 1` only (older tokenward) skip a `v: 2` value instead of taking a dead access token for a live one.
 */
interface Stored {
  v: 1 | 2;
  token: Token;
  /** `v: 2`: how much longer than the access token the key lives, ms. */
  tailMs?: number;
}

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
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
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

  /** @throws {ConfigError} when `client` is neither node-redis, ioredis nor a function. */
  constructor(client: NodeRedisLike | IORedisLike | RedisCommander, options: RedisTokenStoreOptions = {}) {
    const adapter = adapt(client);
    this.#send = adapter.send;
    this.#ready = adapter.ready;
    this.#prefix = options.prefix ?? 'tokenward';
    this.#timeoutMs = positive(options.commandTimeoutMs, 'commandTimeoutMs') ?? 500;
    this.#retryAfterMs = positive(options.retryAfterMs, 'retryAfterMs') ?? 1000;
    this.#lockTtlMs = positive(options.lockTtlMs, 'lockTtlMs');
    this.#refreshTokenTtlMs = options.refreshTokenTtlMs ?? REFRESH_TOKEN_TTL_MS;
    if (!(this.#refreshTokenTtlMs >= 0 && Number.isFinite(this.#refreshTokenTtlMs))) {
      throw new ConfigError(`RedisTokenStore option \`refreshTokenTtlMs\` must be a number of ms >= 0, got ${String(options.refreshTokenTtlMs)}`);
    }
    this.revalidateMs = options.revalidateMs ?? 5000;
    if (!(this.revalidateMs >= 0)) throw new ConfigError(`RedisTokenStore option \`revalidateMs\` must be a number >= 0, got ${String(options.revalidateMs)}`);
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
    const k = this.keyFor(key);
    const [value, pttl] = await Promise.all([this.#run(['GET', k]), this.#run(['PTTL', k])]);
    const stored = decode(value);
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
    const value: Stored = ttl > life ? { v: 2, token, tailMs: ttl - life } : { v: 1, token };
    await this.#run(['SET', this.keyFor(key), JSON.stringify(value), 'PX', String(ttl)]);
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
    return Number(await this.#run(['EVAL', DELETE_IF, '1', this.keyFor(key), accessToken])) === 1;
  }

  /**
   * `SET <key>:lock <owner> NX PX ttl`, polled with backoff until `waitMs` runs out. A waiter stops early
   * (resolving `undefined`) when the token under `key` changes, meaning the holder stored a new one.
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
      const [taken, current] = await Promise.all([this.#run(['SET', lockKey, owner, 'NX', 'PX', String(ttl)]), this.#run(['GET', k])]);
      if (taken === 'OK') break;
      if (first) baseline = current;
      else if (current !== baseline && current != null) return undefined;
      if (options.signal?.aborted || Date.now() + delay > deadline) return undefined;
      await sleep(delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
    const holdUntil = Date.now() + maxHoldMs;
    const watchdog = setInterval(() => {
      const left = Math.floor(holdUntil - Date.now());
      if (left <= 0) {
        // Held for `ttlMs`: stop extending and let the lock lapse by its TTL.
        clearInterval(watchdog);
        return;
      }
      this.#run(['EVAL', EXTEND, '1', lockKey, owner, String(Math.min(ttl, left))]).catch(() => {
        // Redis is gone or slow: the lock lapses by TTL, which is the safe outcome.
      });
    }, Math.max(50, Math.floor(ttl / 3)));
    watchdog.unref();
    return async () => {
      clearInterval(watchdog);
      await this.#run(['EVAL', RELEASE, '1', lockKey, owner]);
    };
  }

  /** One command, bounded by the command timeout; fails fast while Redis counts as down. */
  async #run(args: string[]): Promise<unknown> {
    if (this.#down && (Date.now() < this.#probeAt || this.#ready() === false)) {
      throw new TokenwardError(ErrorCode.STORE, 'redis unavailable; skipping the shared store until it answers again');
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: TokenwardError | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        timedOut = new TokenwardError(ErrorCode.STORE, `redis ${args[0]} got no answer within ${this.#timeoutMs} ms`);
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
      throw new TokenwardError(ErrorCode.STORE, `redis ${args[0]} failed: ${cause.message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Tells the client libraries apart by shape; neither is imported. */
function adapt(client: unknown): { send: RedisCommander; ready: () => boolean | undefined } {
  if (typeof client === 'function') return { send: client as RedisCommander, ready: () => undefined };
  const c = client as Partial<NodeRedisLike & IORedisLike> | null;
  // ioredis: `call(name, ...args)` and a `status` string ('ready', 'reconnecting', 'end', ...).
  if (c && typeof c.call === 'function' && typeof c.status === 'string') {
    const io = c as IORedisLike;
    return { send: (args) => io.call(args[0]!, ...args.slice(1)), ready: () => (io.status === 'wait' ? undefined : io.status === 'ready') };
  }
  // node-redis v4/v5: `sendCommand(args, options)` and `isReady`. An aborted command leaves the offline queue.
  if (c && typeof c.sendCommand === 'function' && 'isReady' in c) {
    const nr = c as NodeRedisLike;
    return { send: (args, signal) => nr.sendCommand(args, { abortSignal: signal, signal }), ready: () => nr.isReady };
  }
  throw new ConfigError('RedisTokenStore needs a node-redis client (createClient from "redis"), an ioredis client, or a command function');
}

/**
 * node-redis throws an unhandled `error` event (crashing the process) when nobody listens, and ioredis
 * logs one per reconnect attempt. A token cache must not turn a Redis outage into a crash: when the
 * caller attached no listener, attach a silent one. Failures still reach the manager as `store-error`.
 */
function guardErrorEvents(client: unknown): void {
  const c = client as { on?: (e: string, l: () => void) => unknown; listenerCount?: (e: string) => number };
  if (typeof c.on === 'function' && typeof c.listenerCount === 'function' && c.listenerCount('error') === 0) c.on('error', () => {});
}

/**
 * A client's error reduced to a plain `Error` with its name, message and code only. ioredis attaches the
 * command to its `ReplyError` (`command.args`: the stored token JSON, or the access token of a
 * compare-and-delete), and a client may echo arguments in a message; the manager passes the store's error
 * on as the `cause` of its `store-error` event. So nothing else leaves the store, and every argument
 * (and each token inside a stored value) is scrubbed from the message.
 */
function safeError(err: unknown, args: string[]): Error {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; code?: unknown };
  const secrets: string[] = [];
  for (const arg of args.slice(1)) {
    secrets.push(arg);
    const token = decode(arg)?.token;
    if (token) secrets.push(...[token.accessToken, token.refreshToken, token.idToken].filter((t): t is string => t !== undefined));
  }
  // Longest first, so a token inside the stored JSON is not left half-redacted by a shorter match.
  secrets.sort((a, b) => b.length - a.length);
  const text = scrub(typeof e.message === 'string' ? e.message : String(err), secrets);
  const safe = new Error(text.length > 300 ? `${text.slice(0, 300)}…` : text) as Error & { code?: string };
  if (typeof e.name === 'string') safe.name = e.name;
  if (typeof e.code === 'string' || typeof e.code === 'number') safe.code = String(e.code);
  return safe;
}

function decode(value: unknown): { token: Token; tailMs: number } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<Stored>;
    const t = parsed.token;
    if ((parsed.v !== 1 && parsed.v !== 2) || !t || typeof t.accessToken !== 'string' || typeof t.expiresAt !== 'number' || typeof t.receivedAt !== 'number') return undefined;
    const tailMs = parsed.v === 2 && typeof parsed.tailMs === 'number' && parsed.tailMs > 0 ? parsed.tailMs : 0;
    return { token: t, tailMs };
  } catch {
    return undefined;
  }
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new ConfigError(`RedisTokenStore option \`${name}\` must be a positive number of ms, got ${String(value)}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
