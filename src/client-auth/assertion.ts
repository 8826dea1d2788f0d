/**
 * Client assertions (RFC 7523 §2.2, OpenID Connect Core §9): signed here with `jose`, or taken from the
 * caller's `clientAssertion` function. A new one for every request, and never in an error.
 * @module
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { ErrorCode, TokenwardError } from '../errors.js';

/** RFC 7523 §2.2's `client_assertion_type`. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A key ready to sign assertions: the key, its JWS algorithm and the header fields that name it. */
export interface SigningKey {
  readonly key: KeyObject;
  readonly alg: string;
  /** `kid`, `x5t`, `x5t#S256` when known. */
  readonly header: Readonly<Record<string, string>>;
}

/** Produces the assertion for one request, for the given audience. */
export type AssertionSource = (audience: string) => Promise<string>;

/**
 * Signs `{ iss, sub, aud, jti, iat, nbf, exp }` with `key`: iss = sub = the client id, a random `jti`,
 * and `exp` `lifetimeSeconds` after `iat`.
 */
export function signedAssertion(clientId: string, signing: SigningKey, lifetimeSeconds: number): AssertionSource {
  return signedJwt({ issuer: clientId, subject: clientId }, signing, lifetimeSeconds, {
    code: ErrorCode.CLIENT_AUTH,
    what: 'the client assertion',
  });
}

/** The claims of a signed assertion besides `aud`, `jti`, `iat`, `nbf` and `exp`, which are made per request. */
export interface AssertionClaims {
  readonly issuer: string;
  readonly subject: string;
  /** More claims (Google's `scope`, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Signs `{ ...extra, iss, sub, aud, jti, iat, nbf, exp }` with `signing` for every request: a random
 * `jti`, `exp` `lifetimeSeconds` after `iat`. Client assertions and the JWT-bearer grant's assertion
 * (RFC 7523 §2.1 and §2.2) share it; `failure` says how a failure to sign is reported.
 *
 * jose is loaded on first use (it is ESM-only, and services that never sign should not pay for it):
 * node:crypto alone could sign, but jose gets the JWS details right for every algorithm (ECDSA's raw
 * r||s signatures, PS256's salt length, EdDSA) and checks key/algorithm pairs, which hand-rolled
 * signing gets subtly wrong.
 */
export function signedJwt(claims: AssertionClaims, signing: SigningKey, lifetimeSeconds: number, failure: { code: ErrorCode; what: string }): AssertionSource {
  return async (audience) => {
    let jose: typeof import('jose');
    try {
      jose = await import('jose');
    } catch (err) {
      throw new TokenwardError(failure.code, `could not load \`jose\` to sign ${failure.what} (is the package installed?)`, { cause: err });
    }
    const now = Math.floor(Date.now() / 1000);
    try {
      return await new jose.SignJWT({ ...claims.extra })
        .setProtectedHeader({ ...signing.header, alg: signing.alg, typ: 'JWT' })
        .setIssuer(claims.issuer)
        .setSubject(claims.subject)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + lifetimeSeconds)
        .sign(signing.key);
    } catch (err) {
      // jose's messages name the algorithm and key type, never key material.
      throw new TokenwardError(failure.code, `could not sign ${failure.what} with ${signing.alg}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  };
}

/**
 * The caller's assertion function (a Kubernetes projected service-account token file, workload identity,
 * a KMS signer), called for every request so a rotated file is picked up. Its answer is checked for
 * shape and, when it is a JWT with `exp`, for expiry, so a stale file fails with a clear message rather
 * than an opaque `invalid_client`.
 */
export function externalAssertion(get: () => string | Promise<string>): AssertionSource {
  return async () => {
    let value: unknown;
    try {
      value = await get();
    } catch (err) {
      throw new TokenwardError(ErrorCode.CLIENT_AUTH, `option \`clientAssertion\` failed: ${describeFailure(err)}`, { cause: err });
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TokenwardError(
        ErrorCode.CLIENT_AUTH,
        `option \`clientAssertion\` must return a non-empty string (a JWT), got ${value === '' ? 'an empty string' : typeof value}`,
      );
    }
    const assertion = value.trim();
    const exp = jwtExpiry(assertion);
    if (exp !== undefined && exp * 1000 <= Date.now()) {
      throw new TokenwardError(
        ErrorCode.CLIENT_AUTH,
        `option \`clientAssertion\` returned an assertion that expired at ${new Date(exp * 1000).toISOString()} (a token file that is no longer rotated?)`,
      );
    }
    return assertion;
  };
}

/** `exp` of a JWT, or `undefined` when `value` is not a JWT or has none. Never verifies: the server does. */
function jwtExpiry(value: string): number | undefined {
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/** The name and code of a failure; its message only when short (a file path, "ENOENT"), never a long blob. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return typeof err === 'string' && err.length <= 200 ? err : 'it threw a non-Error';
  const code = (err as { code?: unknown }).code;
  const message = err.message.length <= 200 ? err.message : `${err.message.slice(0, 200)}…`;
  return `${typeof code === 'string' ? `${code} ` : ''}${message}`;
}
