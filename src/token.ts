/**
 * The token as tokenward hands it out, whatever shape the server answered with.
 * @module
 */

/** A normalised access token. `raw` keeps every field the server sent (Keycloak extras included). */
export interface Token {
  /** The access token to send as `Authorization: <tokenType> <accessToken>`. */
  readonly accessToken: string;
  /**
   * Normalised token type: `Bearer` for any casing of `bearer` (Veeam sends lower case) or a missing
   * type. Other types are refused (`ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE`) unless accepted explicitly.
   */
  readonly tokenType: string;
  /** When the access token expires, epoch milliseconds on the local clock at the moment the answer arrived. */
  readonly expiresAt: number;
  /** The refresh token, when the server gave one (or an earlier answer did and this one kept it). */
  readonly refreshToken?: string;
  /** When the refresh token expires (from `refresh_expires_in`), epoch milliseconds. Absent when unknown. */
  readonly refreshExpiresAt?: number;
  /** The granted scope, as the server wrote it. */
  readonly scope?: string;
  /** The OpenID Connect ID token, when the server sent one. */
  readonly idToken?: string;
  /** When the answer arrived, epoch milliseconds (local clock). */
  readonly receivedAt: number;
  /** Every field of the answer, as parsed (numbers and booleans keep their types). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The `Authorization` header value for a token: `Bearer abc…`. */
export function authorizationValue(token: Token): string {
  return `${token.tokenType} ${token.accessToken}`;
}
