/**
 * The Redis clients `RedisTokenStore` works with, told apart by API shape (neither library is
 * imported), and what leaves them: their errors reduced to name, message and code, with every command
 * argument scrubbed.
 * @module
 */
import { ConfigError } from './errors.js';
import { scrub } from './redact.js';
import { decodeEntry } from './redis-codec.js';

/**
 * The part of a node-redis v4/v5 client used here: what `createClient()` from `redis` returns.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisTokenStore, type NodeRedisLike } from 'tokenward/redis';
 *
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect();
 * const store = new RedisTokenStore(client);
 * ```
 */
export interface NodeRedisLike {
  /** Sends one command (`['GET', key]`); the store passes an `AbortSignal` in `options` for its timeout. */
  sendCommand(args: string[], options?: object): Promise<unknown>;
  /** Whether the client is connected: while it is not, the store skips Redis instead of queueing. */
  readonly isReady: boolean;
}

/**
 * The part of an ioredis client (or `Cluster`) used here.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisTokenStore, type IORedisLike } from 'tokenward/redis';
 *
 * const client: IORedisLike = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const store = new RedisTokenStore(client, { prefix: 'billing-service' });
 * ```
 */
export interface IORedisLike {
  /** Sends one command by name (`call('GET', key)`). */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** ioredis's connection state (`'ready'`, `'reconnecting'`, `'end'`, ...): only `'ready'` is used. */
  readonly status: string;
}

/**
 * Any other client: a function that sends one command (`['SET', key, value, 'PX', '1000']`) and resolves to its reply.
 *
 * @example
 * ```ts
 * import { RedisTokenStore, type RedisCommander } from 'tokenward/redis';
 *
 * declare const myClient: { command(args: string[], opts: { signal: AbortSignal }): Promise<unknown> }; // e.g. a Valkey client
 * const send: RedisCommander = (args, signal) => myClient.command(args, { signal });
 * const store = new RedisTokenStore(send);
 * ```
 */
export type RedisCommander = (args: string[], signal: AbortSignal) => Promise<unknown>;

/** Tells the client libraries apart by shape; neither is imported. */
export function adapt(client: unknown): { send: RedisCommander; ready: () => boolean | undefined } {
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
export function guardErrorEvents(client: unknown): void {
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
export function safeError(err: unknown, args: string[]): Error {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; code?: unknown };
  const secrets: string[] = [];
  for (const arg of args.slice(1)) {
    secrets.push(arg);
    const token = decodeEntry(arg)?.token;
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
