/**
 * The cached token as the hot path sees it: every instant it depends on is computed once, when the token
 * is adopted, so a cache hit is one clock read, one comparison and a settled promise.
 * @module
 */
import type { Token } from './token.js';

/**
 * A cached token and what the hot path needs to know about it, computed once.
 *
 * Every entry is built by {@link makeEntry} or {@link invalidatedEntry}, with the same properties in the
 * same order, so `TokenManager.getToken()` only ever sees one object shape and its property reads stay
 * monomorphic.
 * @internal Shared by `TokenManager` and its helpers; not part of the public API.
 */
export interface Entry {
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

/** What {@link makeEntry} needs besides the token. */
export interface EntryOptions {
  /** The `refreshSkew` option, in seconds: how long before expiry a token counts as expiring. */
  readonly refreshSkew: number;
  /** The store's `revalidateMs`; unset or `0` when the store never asks for re-validation. */
  readonly revalidateMs: number | undefined;
  /** The current time, epoch ms (`Date.now()`), from which re-validation is due `revalidateMs` on. */
  readonly now: number;
  /** Whether the token is known to be in the store already. */
  readonly shared: boolean;
}

/**
 * Epoch ms from which `token` counts as expiring: `refreshSkew` seconds before it expires, but never
 * more than half its lifetime before, so a 10-second token still gets 5 seconds of use.
 * @internal
 */
export function refreshAtOf(token: Token, refreshSkew: number): number {
  const skew = Math.min(refreshSkew * 1000, (token.expiresAt - token.receivedAt) / 2);
  return token.expiresAt - skew;
}

/**
 * Until when the hot path may serve an entry that starts expiring at `refreshAt` without a look at the
 * store: `refreshAt` itself, or `revalidateMs` from `now` if that comes first.
 * @internal
 */
export function checkAtOf(refreshAt: number, revalidateMs: number | undefined, now: number): number {
  return revalidateMs ? Math.min(refreshAt, now + revalidateMs) : refreshAt;
}

/**
 * The cache entry for a freshly adopted token. Pure apart from allocating the settled promise.
 * @internal
 */
export function makeEntry(token: Token, { refreshSkew, revalidateMs, now, shared }: EntryOptions): Entry {
  const refreshAt = refreshAtOf(token, refreshSkew);
  const checkAt = checkAtOf(refreshAt, revalidateMs, now);
  return { token, refreshAt, usableUntil: token.expiresAt, promise: Promise.resolve(token), checkAt, shared };
}

/**
 * `entry` dropped (the API rejected its token): every instant moves to -Infinity, so the next caller
 * renews and no failed renewal falls back to it. The token itself is kept, so a later acquisition can
 * still tell the rejected token apart from a new one and refresh with its refresh token.
 * @internal
 */
export function invalidatedEntry(entry: Entry): Entry {
  return { token: entry.token, refreshAt: -Infinity, usableUntil: -Infinity, promise: entry.promise, checkAt: -Infinity, shared: entry.shared };
}

/**
 * Whether `token` (one read from a store) is worth adopting: not yet expiring by the same rule
 * {@link makeEntry} applies.
 * @internal
 */
export function isFresh(token: Token, refreshSkew: number): boolean {
  return Date.now() < refreshAtOf(token, refreshSkew);
}
