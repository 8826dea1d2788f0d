/**
 * DPoP server nonces (RFC 9449 §8 and §9), remembered per origin: a server that wants them sends one in
 * a `DPoP-Nonce` header (with a `use_dpop_nonce` error when a proof lacked it, or on any answer when it
 * rotates), and every later proof to that origin carries the latest.
 * @module
 */

/** Origins remembered at most: a manager talks to a handful; the bound keeps a hostile caller from growing it. */
const MAX_ORIGINS = 256;
/** RFC 9449 §8.1: `nonce = 1*NQCHAR`, with NQCHAR = %x21 / %x23-5B / %x5D-7E; and a sane length. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,1024}$/;

/**
 * The latest nonce of each origin, the least recently updated dropped first beyond 256 origins.
 * @internal
 */
export class DpopNonces {
  readonly #byOrigin = new Map<string, string>();

  /** The nonce to put in the next proof for `origin`, if its server sent one. */
  get(origin: string): string | undefined {
    return this.#byOrigin.get(origin);
  }

  /**
   * Remembers the `DPoP-Nonce` header of an answer from `origin` (ignored when absent or malformed).
   * Returns the nonce when there was a valid one.
   */
  note(origin: string, header: string | readonly string[] | null | undefined): string | undefined {
    const value = typeof header === 'string' ? header.trim() : undefined;
    if (value === undefined || !NONCE.test(value)) return undefined;
    if (this.#byOrigin.get(origin) !== value) {
      this.#byOrigin.delete(origin);
      this.#byOrigin.set(origin, value);
      if (this.#byOrigin.size > MAX_ORIGINS) this.#byOrigin.delete(this.#byOrigin.keys().next().value as string);
    }
    return value;
  }

  /** How many origins are remembered (for tests). */
  get size(): number {
    return this.#byOrigin.size;
  }
}
