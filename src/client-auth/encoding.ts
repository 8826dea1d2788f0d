/**
 * The encodings client authentication needs (RFC 6749 §2.3.1 Basic), and the rule that decides when
 * `auto` may try another method.
 * @module
 */
import type { TokenwardError } from '../errors.js';

/**
 * `application/x-www-form-urlencoded` serialisation of one value, per the WHATWG URL standard:
 * alphanumerics and `*-._` stay, space becomes `+`, everything else is percent-encoded as UTF-8.
 *
 * Not a stricter set: escaping `-` or `_` broke eBay secrets and Google client ids in other libraries,
 * which then reverted (@badgateway/oauth2-client #181/#184, Authlib #628).
 *
 * @example
 * ```ts
 * import { formEncode } from 'tokenward';
 *
 * formEncode('a b+c/d'); // 'a+b%2Bc%2Fd'
 * formEncode('my-client_id.v2'); // unchanged
 * ```
 */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * The `Authorization` header for HTTP Basic client authentication.
 * With `encoding: 'form'` (RFC 6749 §2.3.1) id and secret are form-encoded before joining with `:`;
 * with `'none'` they are sent raw, for servers that do not form-decode (then an id with `:` cannot work).
 *
 * @example
 * ```ts
 * import { basicAuthorization } from 'tokenward';
 *
 * basicAuthorization('TestClientId', 'password'); // 'Basic VGVzdENsaWVudElkOnBhc3N3b3Jk' (Jim2's sample)
 * ```
 */
export function basicAuthorization(clientId: string, clientSecret: string, encoding: 'form' | 'none' = 'form'): string {
  const pair = encoding === 'form' ? `${formEncode(clientId)}:${formEncode(clientSecret)}` : `${clientId}:${clientSecret}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/**
 * Whether an answer to a client-authenticated request means "the client was not authenticated", the only
 * case in which `clientAuth: 'auto'` tries another method: an `invalid_client`, or a 400/401/403 with no
 * OAuth error body at all (some servers answer a client they cannot authenticate with an empty 401 or 403).
 *
 * Never on network errors, 5xx, or another OAuth error such as `invalid_grant` or `invalid_scope`, whatever
 * the status: a server that answers a wrong user password with `401 invalid_grant` authenticated the client,
 * and re-sending would double the user's lockout count. golang/oauth2 falls back on any error and learns
 * the wrong style (#718, #786).
 *
 * @example
 * ```ts
 * import { isClientNotAuthenticated, isTokenwardError } from 'tokenward';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   if (isTokenwardError(err) && isClientNotAuthenticated(err)) log.error('the identity provider does not accept this client id and secret');
 *   throw err;
 * }
 * ```
 */
export function isClientNotAuthenticated(err: TokenwardError): boolean {
  if (err.status === undefined || err.status >= 500) return false;
  if (err.error === 'invalid_client') return true;
  return (err.status === 400 || err.status === 401 || err.status === 403) && err.error === undefined;
}
