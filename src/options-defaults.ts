/**
 * Every default of the options in one table. A test asserts it against docs/configuration.md, so the
 * docs cannot drift.
 * @module
 */
import { GRANT_DEFAULTS } from './options-grants.js';

/**
 * Every default in one place. A test asserts this table against the docs, so they cannot drift.
 * Read-only (frozen): to change a default, pass the option.
 *
 * @example
 * ```ts
 * import { DEFAULTS, TokenManager } from 'tokenward';
 *
 * // A batch job that may wait longer for a slow IdP than a request handler would: the default budget, doubled.
 * const batch = new TokenManager({
 *   tokenUrl,
 *   clientId,
 *   clientSecret,
 *   timeout: 2 * DEFAULTS.timeout,
 *   retry: { ...DEFAULTS.retry, maxRetryTime: 2 * DEFAULTS.retry.maxRetryTime },
 * });
 * ```
 */
export const DEFAULTS = Object.freeze({
  /** `clientAuth`: chosen from the options and the server's metadata; else Basic, and body credentials once if the server says the client was not authenticated. */
  clientAuth: 'auto',
  /** `basicEncoding`: form-encode id and secret before base64 (RFC 6749 §2.3.1). */
  basicEncoding: 'form',
  /** `bodyFormat`: `application/x-www-form-urlencoded`, as RFC 6749 requires. */
  bodyFormat: 'form',
  /** `refreshWithClientAuth`: a refresh authenticates the client (RFC 6749 §6); Veeam's and InfoLink's profiles turn it off. */
  refreshWithClientAuth: true,
  /** `timeout`: milliseconds for each token request. */
  timeout: 10_000,
  /** `retry`: the retry policy for transient failures. p-retry's own defaults (10 retries, no time cap) could wait for minutes. */
  retry: Object.freeze({
    /** `retry.retries`: retries after the first try. */
    retries: 3,
    /** `retry.minTimeout`: milliseconds before the first retry; doubles each time, with jitter. */
    minTimeout: 200,
    /** `retry.maxTimeout`: longest wait between two tries, in milliseconds. */
    maxTimeout: 5_000,
    /** `retry.maxRetryTime`: milliseconds for one token request and all its retries. */
    maxRetryTime: 30_000,
  }),
  /** `refreshSkew`: seconds before expiry at which a token counts as expiring (never more than half its lifetime). */
  refreshSkew: 60,
  /** `defaultExpiresIn`: seconds of life assumed when the answer gives none (or `expires_in: 0`) and the token is not a JWT with a usable `exp`. */
  defaultExpiresIn: 300,
  /** `proactive`: no background refresh timer: it would keep server sessions alive, and a live Jim2 session holds a paid licence. */
  proactive: false,
  /** `maxResponseBytes`: the largest token answer read, 1 MiB. */
  maxResponseBytes: 1_048_576,
  /** `maxCachedTokens`: parameter sets that keep a cached token at once, besides the manager's own. */
  maxCachedTokens: 100,
  /** `logoff.method` of a `bearer` logoff: Veeam ends a session with `DELETE /api/token`. */
  logoffMethod: 'DELETE',
  /** `logoff.tokens` of a `revoke` logoff: the refresh token first, since revoking it ends the grant (RFC 7009). */
  revokeTokens: Object.freeze(['refresh_token', 'access_token'] as const),
  /** `assertionLifetime`: seconds a signed assertion is valid; a new one is signed for every request. */
  assertionLifetime: 60,
  /** `dpop`: tokens are not sender-constrained. */
  dpop: false,
  // Named one by one, not spread: a spread's properties lose their comments in the published .d.ts.
  /** `subjectTokenType`: the token exchanged is an access token, as a gateway acting for its caller has. */
  subjectTokenType: GRANT_DEFAULTS.subjectTokenType,
  /** `actorTokenType`: the acting party's token is an access token. */
  actorTokenType: GRANT_DEFAULTS.actorTokenType,
} as const);
