/**
 * Small pieces of the token slot's bookkeeping: the tokens it retired, and how long one renewal may take
 * at worst (what a fleet's lock must cover).
 * @module
 */
import type { ResolvedOptions } from './options.js';

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
