/**
 * The cached token as the hot path sees it: every deadline it depends on is computed once, when the
 * token is adopted, on the monotonic clock, so a cache hit is one clock read, one comparison and a
 * settled promise.
 * @module
 */
import { type ClockReading, toMonotonic } from './clock.js';
import type { Token } from './token.js';

/**
 * A cached token and what the hot path needs to know about it, computed once. Deadlines are monotonic
 * milliseconds (`performance.now()`), never wall-clock ones.
 *
 * Every entry is built by {@link makeEntry} or {@link invalidatedEntry}, with the same properties in the
 * same order, so the hot path only ever sees one object shape and its property reads stay monomorphic.
 * @internal Shared by the token slot and its helpers; not part of the public API.
 */
export interface Entry {
  readonly token: Token;
  /** From when the token counts as expiring. -Infinity once invalidated. */
  readonly refreshAt: number;
  /** Until when the token may still be handed out if a renewal fails (its expiry). -Infinity once invalidated. */
  readonly usableUntil: number;
  /** Until when its refresh token is worth presenting (its stated expiry, else Infinity). */
  readonly refreshUsableUntil: number;
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

/** What {@link makeEntry} needs besides the token. */
export interface EntryOptions {
  /** The `refreshSkew` option, in seconds: how long before expiry a token counts as expiring. */
  readonly refreshSkew: number;
  /** The store's `revalidateMs`; unset or `0` when the store never asks for re-validation. */
  readonly revalidateMs: number | undefined;
  /** Both clocks, read now. */
  readonly clock: ClockReading;
  /** Whether the token is known to be in the store already. */
  readonly shared: boolean;
}

/**
 * How long before expiry `token` counts as expiring, ms: `refreshSkew` seconds, but never more than half
 * its lifetime, so a 10-second token still gets 5 seconds of use.
 * @internal
 */
export function skewOf(token: Token, refreshSkew: number): number {
  return Math.min(refreshSkew * 1000, (token.expiresAt - token.receivedAt) / 2);
}

/**
 * Until when the hot path may serve an entry that starts expiring at `refreshAt` without a look at the
 * store: `refreshAt` itself, or `revalidateMs` from `now` if that comes first. Monotonic ms.
 * @internal
 */
export function checkAtOf(refreshAt: number, revalidateMs: number | undefined, now: number): number {
  return revalidateMs ? Math.min(refreshAt, now + revalidateMs) : refreshAt;
}

/**
 * The cache entry for a freshly adopted token. Its epoch instants become monotonic deadlines through
 * one reading of both clocks. Pure apart from allocating the settled promise.
 * @internal
 */
export function makeEntry(token: Token, { refreshSkew, revalidateMs, clock, shared }: EntryOptions): Entry {
  const usableUntil = toMonotonic(token.expiresAt, clock);
  const refreshAt = usableUntil - skewOf(token, refreshSkew);
  const refreshUsableUntil = token.refreshExpiresAt === undefined ? Infinity : toMonotonic(token.refreshExpiresAt, clock);
  const checkAt = checkAtOf(refreshAt, revalidateMs, clock.mono);
  return { token, refreshAt, usableUntil, refreshUsableUntil, promise: Promise.resolve(token), checkAt, shared };
}

/**
 * `entry` dropped (the API rejected its token): every deadline moves to -Infinity, so the next caller
 * renews and no failed renewal falls back to it. The token itself is kept, so a later acquisition can
 * still tell the rejected token apart from a new one and refresh with its refresh token.
 * @internal
 */
export function invalidatedEntry(entry: Entry): Entry {
  return {
    token: entry.token,
    refreshAt: -Infinity,
    usableUntil: -Infinity,
    refreshUsableUntil: entry.refreshUsableUntil,
    promise: entry.promise,
    checkAt: -Infinity,
    shared: entry.shared,
  };
}

/**
 * Whether `token` (one read from a store, its instants on this host's wall clock) is worth adopting:
 * not yet expiring by the same rule {@link makeEntry} applies.
 * @internal
 */
export function isFresh(token: Token, refreshSkew: number, now = Date.now()): boolean {
  return now < token.expiresAt - skewOf(token, refreshSkew);
}
