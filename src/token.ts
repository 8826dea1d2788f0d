/**
 * The token as tokenward hands it out, whatever shape the server answered with.
 * @module
 */

/**
 * A normalised access token (docs/token.md). `raw` keeps every other field the server sent (Keycloak
 * extras included), but never a token value, so it is safe to log.
 *
 * @example
 * ```ts
 * import type { Token } from 'tokenward';
 *
 * const token: Token = await tm.getToken();
 * const minutesLeft = Math.round((token.expiresAt - Date.now()) / 60_000);
 * log.info({ type: token.tokenType, minutesLeft, scope: token.scope, extras: token.raw });
 * ```
 */
export interface Token {
  /** The access token to send as `Authorization: <tokenType> <accessToken>`. */
  readonly accessToken: string;
  /**
   * Normalised token type: `Bearer` for any casing of `bearer` (Veeam sends lower case) or a missing
   * type. Other types are refused (`ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE`) unless accepted explicitly.
   */
  readonly tokenType: string;
  /** When the access token expires: epoch milliseconds on this host's clock (the local time the answer arrived plus the lifetime). */
  readonly expiresAt: number;
  /** The refresh token, when the server gave one (or an earlier answer did and this one kept it). */
  readonly refreshToken?: string;
  /** When the refresh token expires (from `refresh_expires_in`), epoch milliseconds. Absent when unknown. */
  readonly refreshExpiresAt?: number;
  /** The granted scope, as the server wrote it. */
  readonly scope?: string;
  /** The OpenID Connect ID token, when the server sent one. */
  readonly idToken?: string;
  /**
   * What a token exchange issued (RFC 8693 `issued_token_type`), e.g.
   * `urn:ietf:params:oauth:token-type:access_token`, when the server said.
   */
  readonly issuedTokenType?: string;
  /** When the answer arrived, epoch milliseconds (local clock). */
  readonly receivedAt: number;
  /**
   * Every other field of the answer, as parsed (numbers and booleans keep their types). Without
   * `access_token`, `refresh_token`, `id_token`, or any field whose value holds one of those tokens.
   */
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * The `Authorization` header value for a token: `Bearer abc…`.
 *
 * @example
 * ```ts
 * import { authorizationValue } from 'tokenward';
 *
 * const res = await fetch('https://api.example.com/v1/orders', { headers: { authorization: authorizationValue(await tm.getToken()) } });
 * ```
 */
export function authorizationValue(token: Token): string {
  return `${token.tokenType} ${token.accessToken}`;
}
