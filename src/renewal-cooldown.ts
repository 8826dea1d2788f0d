/**
 * The 401 cool-down of one token slot: when renewing after an API rejection does not help (wrong scope,
 * a missing permission, an API that rejects every token), rejections are returned as they are for a
 * while instead of costing a token request (on Jim2Server, a licence) per call.
 * @module
 */

/**
 * When a 401-triggered renewal did not help (the renewed token was rejected too), how long further
 * rejections are returned as they are, without renewing again, ms. An API that rejects every token
 * (a wrong scope, a missing permission) then costs one token request per this interval, not one per
 * call (on Jim2Server, each token request can take a licence).
 *
 * @example
 * ```ts
 * import { RENEWAL_COOLDOWN_MS } from 'tokenward';
 *
 * // A test that expects a renewal after a second rejection first lets the cool-down pass.
 * await new Promise((resolve) => setTimeout(resolve, RENEWAL_COOLDOWN_MS));
 * ```
 */
export const RENEWAL_COOLDOWN_MS = 5_000;

/**
 * The decision "renew on this rejection, or not", per slot, whatever the token endpoint hands out (a new
 * token or the same one again, as Salesforce-style servers do).
 * @internal Used by the token slot.
 */
export class RenewalCooldown {
  /** Monotonic ms until which a rejection is returned as is. */
  #until = -Infinity;
  /**
   * The last renewal a rejection caused: when, and the token it produced (set at adoption). If that token
   * is rejected too within the cool-down, renewing did not help, even when the request could not be
   * replayed (a stream body) and so no replay told us so.
   */
  #renewal: { at: number; accessToken: string | undefined } | undefined;

  /**
   * A rejection of `accessToken` (which is `current`ly cached or not): `true` to drop it and renew,
   * `false` to return the rejection as it is.
   */
  shouldRenew(accessToken: string, current: boolean): boolean {
    const now = performance.now();
    if (now < this.#until) return false;
    const last = this.#renewal;
    if (last !== undefined && last.accessToken === accessToken && now - last.at < RENEWAL_COOLDOWN_MS) {
      this.start();
      return false;
    }
    if (current) this.#renewal = { at: now, accessToken: undefined };
    return true;
  }

  /** A token was adopted: if a rejection asked for a renewal, this is the token it produced. */
  adopted(accessToken: string): void {
    if (this.#renewal !== undefined && this.#renewal.accessToken === undefined) this.#renewal.accessToken = accessToken;
  }

  /** An answer accepted `accessToken`: a renewal that produced it worked. */
  accepted(accessToken: string): void {
    if (this.#renewal !== undefined && this.#renewal.accessToken === accessToken) this.#renewal = undefined;
  }

  /** Renewing did not help: no renewal for {@link RENEWAL_COOLDOWN_MS}. */
  start(): void {
    this.#until = performance.now() + RENEWAL_COOLDOWN_MS;
  }
}
