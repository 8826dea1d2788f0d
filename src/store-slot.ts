/**
 * The token store as one manager uses it: one key, and a store that fails is reported and bypassed,
 * never fatal. A shared store (Redis) going down must cost a fleet its sharing, not its tokens.
 * @module
 */
import { ErrorCode, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import { scrub } from './redact.js';
import type { TokenStore } from './store.js';
import type { Token } from './token.js';

/** The release function a {@link TokenStore.lock} resolves to while the lock is held. */
type Release = () => Promise<void>;

/**
 * One manager's slot in a {@link TokenStore}: every operation on its cache key, with failures turned
 * into `store-error` events. Operations resolve to `undefined` when the store failed.
 * @internal Used by `TokenManager`; not part of the public API.
 */
export class StoreSlot {
  /** The key this slot's token lives under (a hash: it never holds a secret). */
  readonly key: string;
  readonly #store: TokenStore;
  readonly #events: Emitter;
  /**
   * Token values this slot handed the store or read from it lately: a store's error may quote them (some
   * clients put a failed command's arguments in the message), so they are scrubbed from what it reports.
   */
  readonly #handled: string[] = [];

  /** `key` is the token's cache key; failures are reported on `events` as `store-error`. */
  constructor(store: TokenStore, key: string, events: Emitter) {
    this.#store = store;
    this.key = key;
    this.#events = events;
  }

  /** The store's {@link TokenStore.revalidateMs}, read afresh each time as the manager always did. */
  get revalidateMs(): number | undefined {
    return this.#store.revalidateMs;
  }

  /** Whether the store offers a cross-process lock ({@link TokenStore.lock}). */
  get canLock(): boolean {
    return this.#store.lock !== undefined;
  }

  /** Runs a store operation; a failing store is reported and bypassed, never fatal. */
  async call<T>(op: () => T | Promise<T>): Promise<Awaited<T> | undefined> {
    try {
      return await op();
    } catch (err) {
      this.report(err);
      return undefined;
    }
  }

  /**
   * Reports a store failure as a `store-error` event. The store's message is kept, with every token this
   * slot gave or took from the store scrubbed; the cause is a plain copy (name, scrubbed message, code),
   * never the store's own error object, which may hold the command and its arguments.
   */
  report(err: unknown): void {
    // tokenward's own stores (tokenward/redis) already report safe errors: keep them whole.
    if (err instanceof TokenwardError) {
      this.#events.emit(
        'store-error',
        new TokenwardError(ErrorCode.STORE, `token store failed: ${scrub(err.message.replace(/^tokenward: /, ''), this.#handled)}`, { cause: err }),
      );
      return;
    }
    const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; code?: unknown };
    const text = scrub(typeof e.message === 'string' ? e.message : String(err), this.#handled);
    const cause = new Error(text.length > 300 ? `${text.slice(0, 300)}…` : text) as Error & { code?: string };
    if (typeof e.name === 'string') cause.name = e.name;
    if (typeof e.code === 'string' || typeof e.code === 'number') cause.code = String(e.code);
    this.#events.emit('store-error', new TokenwardError(ErrorCode.STORE, `token store failed: ${cause.message}`, { cause }));
  }

  /** Remembers a token's values for {@link StoreSlot.report} (the last few only). */
  #handle(token: Token | undefined): void {
    if (token === undefined) return;
    for (const value of [token.accessToken, token.refreshToken, token.idToken])
      if (value !== undefined && !this.#handled.includes(value)) this.#handled.push(value);
    if (this.#handled.length > 12) this.#handled.splice(0, this.#handled.length - 12);
  }

  /** The stored token; `undefined` when there is none or the store failed. */
  async get(): Promise<Token | undefined> {
    const token = await this.call(() => this.#store.get(this.key));
    this.#handle(token);
    return token;
  }

  /**
   * The stored token, straight from the store and not reported: for a caller that must tell "nothing
   * stored" (another instance logged off) from "the store failed" (change nothing).
   */
  async getOrThrow(): Promise<Token | undefined> {
    const token = await this.#store.get(this.key);
    this.#handle(token);
    return token;
  }

  /** Stores `token`; resolves to `true` once it is known to be in the store, `undefined` if the store failed. */
  publish(token: Token): Promise<true | undefined> {
    this.#handle(token);
    return this.call(async () => {
      await this.#store.set(this.key, token);
      return true as const;
    });
  }

  /** Forgets whatever is stored. */
  clear(): Promise<void> {
    return this.call(() => this.#store.delete(this.key));
  }

  /** Forgets the stored token only if it is still the one with `accessToken`. */
  forget(accessToken: string): Promise<void> {
    return this.call(async () => {
      // Atomic where the store can: a get-then-delete could delete a newer token another process stored in between.
      if (this.#store.deleteIf) {
        await this.#store.deleteIf(this.key, accessToken);
        return;
      }
      const stored = await this.#store.get(this.key);
      if (stored?.accessToken === accessToken) await this.#store.delete(this.key);
    });
  }

  /**
   * Takes the store's lock (check {@link StoreSlot.canLock} first). Resolves to its `release` function
   * while held; to `missed: true` when another process held it until `waitMs` ran out (or stopped early
   * because the stored token changed); to neither when the store failed (the caller goes on alone).
   */
  async lock(options: { ttlMs: number; waitMs: number }): Promise<{ release?: Release; missed: boolean }> {
    const lock = this.#store.lock;
    if (lock === undefined) return { missed: false };
    try {
      const release = await lock.call(this.#store, this.key, options);
      return release === undefined ? { missed: true } : { release, missed: false };
    } catch (err) {
      this.report(err);
      return { missed: false };
    }
  }
}
