/**
 * The options of the delegation and extension grants: RFC 8693 token exchange (`subjectToken`,
 * `actorToken` and their types), the RFC 7523 §2.1 JWT-bearer grant (`assertion`), and any grant by its
 * URI (`grantParams`); their types, and their checks beyond the shape check in `options-schema.ts`.
 * @module
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { SigningKey } from './client-auth/assertion.js';
import { readSigningKey } from './credentials.js';
import { ConfigError } from './errors.js';

/**
 * A value the grant sends: a string, or a function called for every token request (a rotated file, a fresh user token).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { TokenManager, type GrantValue } from 'tokenward';
 *
 * // A Kubernetes projected service-account token, rotated by the kubelet: read again for every token
 * // request (never on a cache hit), and exchanged for a token of the batch job's own.
 * const subjectToken: GrantValue = () => readFile('/var/run/secrets/tokens/identity', 'utf8');
 * const batch = new TokenManager({ tokenUrl: 'https://sts.example.com/token', clientId: 'batch', clientSecret, grant: 'token_exchange', subjectToken, subjectTokenType: 'jwt' });
 * ```
 */
export type GrantValue = string | (() => string | Promise<string>);

/**
 * RFC 8693 §3 token type identifiers, by the short names tokenward accepts for them.
 *
 * @example
 * ```ts
 * import { TOKEN_TYPES } from 'tokenward';
 *
 * // After a token exchange, the answer's issued_token_type says what the server gave back.
 * const token = await tm.getToken();
 * if (token.issuedTokenType === TOKEN_TYPES.jwt) log.info('the STS issued a JWT rather than an opaque access token');
 * ```
 */
export const TOKEN_TYPES = Object.freeze({
  /** An OAuth 2.0 access token issued by the server. */
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  /** An OAuth 2.0 refresh token issued by the server. */
  refresh_token: 'urn:ietf:params:oauth:token-type:refresh_token',
  /** An OpenID Connect ID token. */
  id_token: 'urn:ietf:params:oauth:token-type:id_token',
  /** Any JWT, such as a Kubernetes service-account token or another issuer's token. */
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  /** A base64url-encoded SAML 1.1 assertion. */
  saml1: 'urn:ietf:params:oauth:token-type:saml1',
  /** A base64url-encoded SAML 2.0 assertion. */
  saml2: 'urn:ietf:params:oauth:token-type:saml2',
} as const);

/**
 * A token type: one of {@link TOKEN_TYPES}' short names, or any absolute URI (`urn:…`).
 *
 * @example
 * ```ts
 * import { TokenManager, type TokenTypeName } from 'tokenward';
 *
 * // A backend-for-frontend exchanges the user's ID token for an access token to the orders API.
 * const subjectTokenType: TokenTypeName = 'id_token';
 * const bff = new TokenManager({ tokenUrl: 'https://sts.example.com/token', clientId: 'web-bff', clientSecret, grant: 'token_exchange', subjectTokenType, requestedTokenType: 'access_token' });
 *
 * async function ordersFor(idToken: string): Promise<Response> {
 *   return bff.for({ subjectToken: idToken, audience: 'https://orders.example.com' }).fetch('https://orders.example.com/v1/orders');
 * }
 *
 * // A type RFC 8693 does not name goes by its URI.
 * const sessionType: TokenTypeName = 'urn:example:params:oauth:token-type:portal-session';
 * ```
 */
export type TokenTypeName = keyof typeof TOKEN_TYPES | `${string}:${string}`;

/** The RFC 8693 grant type URI. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The RFC 7523 §2.1 grant type URI. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * `grant: 'jwt_bearer'`: how tokenward signs the assertion (RFC 7523 §2.1) for every request. Its `aud`
 * is the one client assertions get (`assertionAudience`, else the issuer when known, else the token
 * endpoint), its lifetime `assertionLifetime`, and `jti`, `iat`, `nbf`, `exp` are made per request.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { TokenManager, type JwtBearerAssertion } from 'tokenward';
 *
 * // A Google service account's key file: the account signs for a Workspace user (domain-wide
 * // delegation), the scope is a claim, and `aud` is the token endpoint.
 * const account = JSON.parse(readFileSync('/etc/reports/service-account.json', 'utf8')) as { client_email: string; private_key: string; private_key_id: string };
 * const assertion: JwtBearerAssertion = {
 *   privateKey: account.private_key,
 *   keyId: account.private_key_id,
 *   issuer: account.client_email,
 *   subject: 'reports@acme.example',
 *   claims: { scope: 'https://www.googleapis.com/auth/admin.reports.audit.readonly' },
 * };
 * const google = new TokenManager({ tokenUrl: 'https://oauth2.googleapis.com/token', grant: 'jwt_bearer', assertion });
 * ```
 */
export interface JwtBearerAssertion {
  /** The signing key: PEM, JWK or `KeyObject` (RSA 2048+, EC, Ed25519). A secret. @default the `privateKey` option */
  privateKey?: string | Buffer | KeyObject | Readonly<Record<string, unknown>>;
  /** The `kid` header. @default the JWK's `kid`; with the `privateKey` option, the `keyId` option */
  keyId?: string;
  /** The JWS algorithm. @default from the key (RS256, ES256, ES384, ES512, EdDSA) */
  signingAlgorithm?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
  /** The `iss` claim: who made the assertion. @default `clientId` */
  issuer?: string;
  /** The `sub` claim: the principal the token is for (a user, a service account). @default `clientId` */
  subject?: string;
  /** More claims (Google service accounts want `scope`). Not `iss`, `sub`, `aud`, `exp`, `iat`, `nbf` or `jti`. */
  claims?: Readonly<Record<string, unknown>>;
}

/** Options of the delegation grants; part of {@link TokenManagerOptions}. */
export interface GrantOptions {
  /**
   * `grant: 'token_exchange'` (RFC 8693): the token to exchange, e.g. the user token your service was
   * called with. A function is called for every token request. Per call instead: `tm.for({ subjectToken })`.
   * A secret: never logged, never in an error.
   */
  subjectToken?: GrantValue;
  /** The type of `subjectToken`: a short name (`access_token`, `jwt`, `id_token`, ...) or a URI. @default 'access_token' */
  subjectTokenType?: TokenTypeName;
  /** `grant: 'token_exchange'`: the token of the party acting for the subject (delegation), when there is one. A secret. */
  actorToken?: GrantValue;
  /** The type of `actorToken`. @default 'access_token' */
  actorTokenType?: TokenTypeName;
  /** `grant: 'token_exchange'`: the type of token wanted (`requested_token_type`). @default none (the server's choice) */
  requestedTokenType?: TokenTypeName;
  /**
   * `grant: 'jwt_bearer'` (RFC 7523 §2.1): a function returning the assertion (called for every token
   * request: a workload identity token, a KMS signer), or how tokenward signs one. Per call instead:
   * `tm.for({ assertion })` (Entra ID's on-behalf-of flow). A secret.
   */
  assertion?: (() => string | Promise<string>) | JwtBearerAssertion;
  /**
   * Fields of the grant request (not of refreshes): a grant by its URI (`grant: 'urn:…'`) sends these
   * as its parameters; other grants add them. Values are strings or functions called for every token
   * request; all are treated as secrets (scrubbed from errors, never echoed).
   */
  grantParams?: Readonly<Record<string, GrantValue>>;
}

/** Grant options after validation; token types as URIs. */
export interface ResolvedGrants {
  subjectToken: GrantValue | undefined;
  subjectTokenType: string;
  actorToken: GrantValue | undefined;
  actorTokenType: string;
  requestedTokenType: string | undefined;
  /** The JWT-bearer grant's assertion: the caller's function, or how to sign one. */
  assertion: (() => string | Promise<string>) | { signing: SigningKey; issuer: string; subject: string; claims: Readonly<Record<string, unknown>> } | undefined;
  grantParams: Readonly<Record<string, GrantValue>>;
  /** What the grant options add to the cache key (hashed values, never a secret), or `''`. */
  grantKey: string;
}

/** Options whose values are secrets: never echoed in an error message. */
export const SECRET_GRANT_OPTIONS = ['subjectToken', 'actorToken', 'assertion', 'grantParams'] as const;

/** Grant fields `grantParams` may not set: the grant's own name and client authentication. */
const RESERVED_FIELDS = new Set(['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'refresh_token']);
/** Claims tokenward makes itself for every assertion. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti']);

/** A token type as its URI. */
export function tokenTypeUri(name: string): string {
  return (TOKEN_TYPES as Record<string, string>)[name] ?? name;
}

/** What {@link resolveGrants} reads: the parsed options. */
interface Parsed {
  subjectToken?: GrantValue | undefined;
  subjectTokenType?: string | undefined;
  actorToken?: GrantValue | undefined;
  actorTokenType?: string | undefined;
  requestedTokenType?: string | undefined;
  assertion?: (() => string) | JwtBearerAssertion | undefined;
  grantParams?: Record<string, GrantValue> | undefined;
  clientId?: string | undefined;
  keyId?: string | undefined;
}

/** Defaults of the grant options (part of `DEFAULTS`). */
export const GRANT_DEFAULTS = Object.freeze({ subjectTokenType: 'access_token', actorTokenType: 'access_token' } as const);

/**
 * Checks the grant options against `grant`, and reads the JWT-bearer signing key (`signingKey`: the
 * `privateKey` option's, read by the enterprise options).
 */
export function resolveGrants(o: Parsed, grant: string, signingKey: SigningKey | undefined): ResolvedGrants {
  if (o.assertion !== undefined && grant !== 'jwt_bearer')
    throw new ConfigError(`option \`assertion\` is for \`grant: 'jwt_bearer'\`, but \`grant\` is ${JSON.stringify(grant)}`);
  for (const name of Object.keys(o.grantParams ?? {})) {
    if (RESERVED_FIELDS.has(name)) throw new ConfigError(`option \`grantParams\` must not set \`${name}\` (tokenward sets it)`);
  }
  if (grant !== 'token_exchange') {
    for (const name of ['subjectToken', 'subjectTokenType', 'actorToken', 'actorTokenType', 'requestedTokenType'] as const) {
      if (o[name] !== undefined) throw new ConfigError(`option \`${name}\` is for \`grant: 'token_exchange'\`, but \`grant\` is ${JSON.stringify(grant)}`);
    }
  }
  const resolved = {
    subjectToken: o.subjectToken,
    subjectTokenType: tokenTypeUri(o.subjectTokenType ?? GRANT_DEFAULTS.subjectTokenType),
    actorToken: o.actorToken,
    actorTokenType: tokenTypeUri(o.actorTokenType ?? GRANT_DEFAULTS.actorTokenType),
    requestedTokenType: o.requestedTokenType === undefined ? undefined : tokenTypeUri(o.requestedTokenType),
    assertion: jwtBearerAssertion(o, signingKey),
    grantParams: Object.freeze({ ...o.grantParams }),
  };
  // Another subject token (or assertion subject, or grant parameter) is another token: the key holds
  // hashes of configured secrets (a function, by its nature, cannot be told apart).
  const parts: unknown[] = [];
  if (grant === 'token_exchange')
    parts.push(
      keyOf(resolved.subjectToken),
      resolved.subjectTokenType,
      keyOf(resolved.actorToken),
      resolved.actorTokenType,
      resolved.requestedTokenType ?? null,
    );
  const a = resolved.assertion;
  if (a !== undefined) parts.push(typeof a === 'function' ? 'fn' : [a.issuer, a.subject, a.claims]);
  const params = Object.keys(resolved.grantParams).sort();
  if (params.length > 0) parts.push(params.map((k) => [k, keyOf(resolved.grantParams[k])]));
  return { ...resolved, grantKey: parts.length === 0 ? '' : JSON.stringify(parts) };
}

/** The JWT-bearer assertion: the caller's function, or what to sign it with. */
function jwtBearerAssertion(o: Parsed, signingKey: SigningKey | undefined): ResolvedGrants['assertion'] {
  const a = o.assertion;
  if (a === undefined || typeof a === 'function') return a;
  let signing = signingKey;
  if (a.privateKey !== undefined) {
    signing = readSigningKey(a.privateKey, {
      ...(a.signingAlgorithm !== undefined ? { alg: a.signingAlgorithm } : {}),
      ...(a.keyId !== undefined ? { keyId: a.keyId } : {}),
      now: Date.now(),
      option: 'assertion.privateKey',
      algOption: 'assertion.signingAlgorithm',
    });
  } else if (signing === undefined) {
    throw new ConfigError('option `assertion` needs a key to sign with: `assertion.privateKey`, or the `privateKey` option');
  } else if (a.keyId !== undefined || a.signingAlgorithm !== undefined) {
    throw new ConfigError(
      'options `assertion.keyId` and `assertion.signingAlgorithm` go with `assertion.privateKey`; for the `privateKey` option use `keyId` and `signingAlgorithm`',
    );
  }
  const issuer = a.issuer ?? o.clientId;
  const subject = a.subject ?? o.clientId;
  if (issuer === undefined || subject === undefined)
    throw new ConfigError(`option \`assertion.${issuer === undefined ? 'issuer' : 'subject'}\` is required without \`clientId\` (its default)`);
  for (const claim of Object.keys(a.claims ?? {})) {
    if (RESERVED_CLAIMS.has(claim))
      throw new ConfigError(
        `option \`assertion.claims\` must not set \`${claim}\` (tokenward sets it${claim === 'iss' || claim === 'sub' ? `: use \`assertion.${claim === 'iss' ? 'issuer' : 'subject'}\`` : ''})`,
      );
  }
  return { signing: signing!, issuer, subject, claims: Object.freeze({ ...a.claims }) };
}

/** A hash of a configured secret value for a key, `fn` for a function, `null` for none. */
function keyOf(value: GrantValue | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === 'function' ? 'fn' : secretHash(value);
}

/** SHA-256 of a secret, base64url: what keys hold instead of a subject token, actor token or assertion. */
export function secretHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
