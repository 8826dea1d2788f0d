/**
 * DPoP on API calls (RFC 9449 §7): the proof a request with a DPoP-bound token carries (`ath` bound to
 * the token), and how an API's nonce challenge is told apart from a rejected token. `tm.fetch` and the
 * undici interceptor both ask this one decorator; a manager without DPoP has none, and their paths
 * stay as they were.
 * @module
 */
import { accessTokenHash, type DpopKey, htuOf, wireMethod } from './dpop.js';
import type { DpopNonces } from './dpop-nonces.js';
import type { Token } from './token.js';
import { asksForDpopNonce, parseWwwAuthenticate } from './www-authenticate.js';

/**
 * The DPoP decorator for API requests of one manager.
 * @internal
 */
export class DpopApi {
  readonly #key: DpopKey;
  readonly #nonces: DpopNonces;
  /** `ath` of the last token seen: computed once per token, not once per call. */
  #lastToken: Token | undefined;
  #lastAth = '';

  constructor(key: DpopKey, nonces: DpopNonces) {
    this.#key = key;
    this.#nonces = nonces;
  }

  /**
   * The `DPoP` header for a request with `token` to `origin` + `path`, or `undefined` when the token is
   * not DPoP-bound (a server that answered `token_type: Bearer` gets a plain Bearer request).
   */
  proof(method: string | undefined, origin: string, path: string, token: Token): string | undefined {
    if (token.tokenType !== 'DPoP') return undefined;
    if (token !== this.#lastToken) {
      this.#lastAth = accessTokenHash(token.accessToken);
      this.#lastToken = token;
    }
    return this.#key.proof(wireMethod(method), `${origin}${htuOf(path)}`, this.#nonces.get(origin), this.#lastAth);
  }

  /** {@link DpopApi.proof} for a `fetch` URL (absolute): its origin and path as the server sees them. */
  proofForUrl(method: string | undefined, url: string | URL, token: Token): string | undefined {
    if (token.tokenType !== 'DPoP') return undefined;
    const u = typeof url === 'string' ? new URL(url) : url;
    return this.proof(method, u.origin, u.pathname, token);
  }

  /**
   * Reads an answer from `origin`: remembers its `DPoP-Nonce`, and returns `true` when it is a nonce
   * challenge (a 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a nonce): the request is
   * to be sent once more with a new proof. Not a rejected token: no invalidation, no token request.
   */
  answered(
    origin: string,
    status: number,
    wwwAuthenticate: string | readonly string[] | null | undefined,
    nonce: string | readonly string[] | null | undefined,
  ): boolean {
    const fresh = this.#nonces.note(origin, nonce);
    return status === 401 && fresh !== undefined && asksForDpopNonce(parseWwwAuthenticate(wwwAuthenticate));
  }
}
