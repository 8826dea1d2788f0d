/**
 * Small pieces of the token slot's bookkeeping: the tokens it retired, and how long one renewal may take
 * at worst (what a fleet's lock must cover).
 * @module
 */
import type { Entry } from './cache-entry.js';
import type { ResolvedOptions } from './options.js';
import type { Token } from './token.js';

/** A refresh token this close to its stated expiry counts as dead: skip a refresh that is already doomed. */
const REFRESH_TOKEN_MARGIN_MS = 5_000;

/** How many retired token values a slot remembers. Only the latest few can come back from a store. */
const RETIRED_LIMIT = 32;

/**
 * Token values a slot dropped (rejected by an API) or released (logged off): a bounded set, oldest
 * forgotten first, so a long-lived slot does not grow.
 * @internal
 */
export class RetiredTokens {
  readonly #values = new Set<string>();

  add(value: string): void {
    this.#values.delete(value);
    this.#values.add(value);
    if (this.#values.size > RETIRED_LIMIT) this.#values.delete(this.#values.values().next().value as string);
  }

  has(value: string): boolean {
    return this.#values.has(value);
  }
}

/**
 * The longest one renewal can take, ms: each token request may run its retries for `maxRetryTime` and
 * then one more try of `timeout`; `auto` client authentication may send it twice (Basic, then body);
 * and a refused refresh token falls back once to the grant, which may be probed and retried as well.
 * With `issuer`, the first renewal also fetches the metadata (up to two well-known URLs, each retried).
 * A fleet's lock must cover all of it, or waiters would give up while the holder still works.
 * @internal
 */
export function renewalBudgetMs(o: Pick<ResolvedOptions, 'timeout' | 'retry' | 'clientAuth' | 'issuer'>): number {
  const oneRequest = o.retry === false ? o.timeout : o.retry.maxRetryTime + o.timeout;
  const probing = o.clientAuth === 'auto' ? 2 : 1;
  const discovery = o.issuer !== undefined ? 2 * oneRequest : 0;
  // Refresh, then the fallback grant; plus a second of slack for the store round trips around them.
  return Math.min(2 * probing * oneRequest + discovery + 1_000, 2_147_483_647);
}

/**
 * The token whose refresh token to renew with: the newest of ours (`previous`) and the store's (a fleet's
 * store may hold a rotated one), if its refresh token is not retired and not about to expire. Our own
 * expiry is judged on the monotonic clock; the store's (re-based by the store on this host's clock) on
 * the wall clock.
 * @internal
 */
export function refreshBase(previous: Entry | undefined, stored: Token | undefined, retired: RetiredTokens): Token | undefined {
  const mine =
    previous?.token.refreshToken !== undefined &&
    !retired.has(previous.token.refreshToken) &&
    performance.now() < previous.refreshUsableUntil - REFRESH_TOKEN_MARGIN_MS
      ? previous.token
      : undefined;
  const theirs =
    stored?.refreshToken !== undefined &&
    !retired.has(stored.refreshToken) &&
    (stored.refreshExpiresAt === undefined || Date.now() < stored.refreshExpiresAt - REFRESH_TOKEN_MARGIN_MS)
      ? stored
      : undefined;
  if (theirs !== undefined && (mine === undefined || theirs.receivedAt >= mine.receivedAt)) return theirs;
  return mine;
}
