/**
 * The public option types of a {@link TokenManager}: what a user writes. Validation lives in
 * `options-schema.ts`, the defaults in `options-defaults.ts`, and their resolution in `options.ts`.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { DpopOption } from './dpop.js';
import type { ErrorCode, TokenwardError } from './errors.js';
import type { EnterpriseOptions } from './options-enterprise.js';
import type { GrantOptions } from './options-grants.js';
import type { TokenStore } from './store.js';

/**
 * A WHATWG-`fetch`-compatible function: `globalThis.fetch`, `undici.fetch`, or a test's mock. It is
 * also the type of `tm.fetch`, so a manager's fetch goes wherever a `fetch` is expected.
 *
 * @example
 * ```ts
 * import { TokenManager, type FetchLike } from 'tokenward';
 *
 * // tokenward's token and API requests through your app's own fetch: here, one that logs each answer's
 * // status and URL (without the query, and never the headers: they carry the token).
 * const loggingFetch: FetchLike = async (input, init) => {
 *   const res = await fetch(input, init);
 *   const url = new URL(input instanceof Request ? input.url : input);
 *   log.info(res.status, init?.method ?? 'GET', `${url.origin}${url.pathname}`);
 *   return res;
 * };
 * const billing = new TokenManager({ tokenUrl, clientId, clientSecret, fetch: loggingFetch });
 *
 * // tm.fetch is a FetchLike too: hand it to code that takes a fetch.
 * const apiFetch: FetchLike = billing.fetch;
 * ```
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * How the client authenticates at the token endpoint: the RFC 7591 / RFC 8705 names, plus tokenward's
 * short `basic` (= `client_secret_basic`) and `body` (= `client_secret_post`), and `auto`.
 *
 * @example
 * ```ts
 * import { TokenManager, type ClientAuthMethod } from 'tokenward';
 *
 * // Jim2Server (OWIN) does not form-decode Basic credentials, and its secret is a user's password that
 * // may hold `:` or `%`: send the credentials in the body, without `auto`'s Basic first try.
 * const clientAuth: ClientAuthMethod = 'client_secret_post';
 * const jim2 = new TokenManager({ tokenUrl: 'http://jim2.local/Jim_Test/token', clientId: 'TestClientId', clientSecret, clientAuth });
 * ```
 */
export type ClientAuthMethod =
  | 'auto'
  | 'basic'
  | 'body'
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'client_secret_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/**
 * The grants tokenward speaks by name, or any other (extension) grant by its absolute URI
 * (`urn:ietf:params:oauth:grant-type:device_code`, a vendor's), whose fields go in `grantParams`.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { TokenManager, type GrantName } from 'tokenward';
 *
 * // Veeam Recovery Orchestrator signs a user in with the password grant (the `veeam()` profile does this).
 * const grant: GrantName = 'password';
 * const vro = new TokenManager({ tokenUrl: 'https://vro.example.local:9898/api/token', grant, username: 'CORP\\svc-dr', password: process.env.VRO_PASSWORD! });
 *
 * // A vendor's extension grant, by its URI; its fields go in grantParams.
 * const attested: GrantName = 'urn:example:params:oauth:grant-type:attested-device';
 * const kiosk = new TokenManager({
 *   tokenUrl: 'https://idp.example.com/oauth/token',
 *   clientId: 'kiosk',
 *   grant: attested,
 *   grantParams: { attestation: () => readFile('/run/attestation.jwt', 'utf8'), device_id: 'kiosk-17' },
 * });
 * ```
 */
export type GrantName = 'client_credentials' | 'password' | 'token_exchange' | 'jwt_bearer' | `${string}:${string}`;

/**
 * A value of an extra body field. Kept typed in JSON bodies (`WindowsAuthentication: false`).
 *
 * @example
 * ```ts
 * import { TokenManager, type ParamValue } from 'tokenward';
 *
 * // The ASP.NET auth-token facade reads a JSON body and wants a boolean here, not the string "false".
 * const params: Record<string, ParamValue> = { WindowsAuthentication: false };
 * const portal = new TokenManager({ tokenUrl: 'https://api.example.com/api/v1/auth/token', clientId: 'portal', clientSecret, username, password, bodyFormat: 'json', params });
 * ```
 */
export type ParamValue = string | number | boolean;

/**
 * Retry policy for transient token-endpoint failures (network, timeout, 408, 429, 5xx). Times are at
 * most 2^31-1 ms (a Node timer's limit). A `Retry-After` over 60 s, or over the budget left, is not
 * waited for: the error is thrown at once.
 *
 * @example
 * ```ts
 * import { TokenManager, type RetryOptions } from 'tokenward';
 *
 * // An IdP that drops connections and answers 503 while it scales up: more tries, further apart,
 * // still given up after a minute. OAuth errors (a wrong secret) are never retried.
 * const retry: RetryOptions = { retries: 6, minTimeout: 500, maxTimeout: 10_000, maxRetryTime: 60_000 };
 * const reports = new TokenManager({ tokenUrl, clientId, clientSecret, retry });
 *
 * // A readiness probe should fail at once instead.
 * const probe = new TokenManager({ tokenUrl, clientId, clientSecret, retry: false, timeout: 2_000 });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first try. @default 3 */
  retries?: number;
  /** Milliseconds before the first retry; doubles each time, with jitter. @default 200 */
  minTimeout?: number;
  /** Longest wait between two tries, in milliseconds. @default 5000 */
  maxTimeout?: number;
  /** Total time budget for one token request and its retries, in milliseconds. @default 30000 */
  maxRetryTime?: number;
}

/**
 * How `logoff()` releases the session at the server.
 *
 * @example
 * ```ts
 * import { TokenManager, type LogoffOptions } from 'tokenward';
 *
 * // Jim2Server: a session holds a paid user licence until its logoff page is called with the token
 * // (the page the `jim2()` profile assumes; correct it if your site's differs).
 * const logoff: LogoffOptions = { style: 'bearer', url: '/api/v1/logoff', method: 'POST' };
 * const jim2 = new TokenManager({ tokenUrl: 'http://jim2.local/Jim_Test/token', baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret, clientAuth: 'body', logoff });
 *
 * // Keycloak: RFC 7009 revocation at the revocation_endpoint its metadata names.
 * const keycloak = new TokenManager({ issuer: 'https://sso.example.com/realms/acme', clientId, clientSecret, logoff: { style: 'revoke' } });
 *
 * process.once('SIGTERM', () => void Promise.allSettled([jim2.logoff(), keycloak.logoff()]));
 * ```
 */
export type LogoffOptions =
  | {
      /** Send a request carrying the access token as `Authorization: Bearer …` (Veeam `DELETE /api/token`, Jim2's logoff page). */
      style: 'bearer';
      /** URL of the logoff endpoint; a relative one resolves under `baseUrl` (its site path kept, as in `tm.fetch`), else next to `tokenUrl`. @default tokenUrl */
      url?: string | URL;
      /** HTTP method. @default 'DELETE' */
      method?: string;
    }
  | {
      /** RFC 7009 token revocation with client authentication: the refresh token, then the access token. */
      style: 'revoke';
      /** The revocation endpoint. @default the discovered `revocation_endpoint` (with `issuer`) */
      url?: string | URL;
      /** Which tokens to revoke, in order. @default ['refresh_token', 'access_token'] */
      tokens?: ReadonlyArray<'refresh_token' | 'access_token'>;
    };

/**
 * Lifecycle hooks. Payloads never hold a token or secret.
 *
 * @example
 * ```ts
 * import { TokenManager, type TokenwardHooks } from 'tokenward';
 *
 * const hooks: TokenwardHooks = {
 *   onToken: (e) => log.info(`token by ${e.how} (${e.grant}), expires ${new Date(e.expiresAt).toISOString()}`),
 *   onRetry: (e) => log.warn(`token request try ${e.attempt} failed (${e.error.code}); ${e.retriesLeft} retries left`),
 *   onError: (err) => log.error(`no token: ${err.message}`),
 * };
 * const orders = new TokenManager({ tokenUrl, clientId, clientSecret, hooks });
 * ```
 */
export interface TokenwardHooks {
  /** A token was acquired or refreshed. */
  onToken?: (event: TokenEvent) => void;
  /** A token request (or a background refresh, or logoff) failed. */
  onError?: (error: TokenwardError) => void;
  /** A transient failure is about to be retried. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Payload of the `token` event.
 *
 * @example
 * ```ts
 * import type { TokenEvent } from 'tokenward';
 *
 * // Where tokens come from: a fleet sharing a Redis store should mostly see 'store', not 'grant'.
 * const origins: Record<TokenEvent['how'], number> = { grant: 0, refresh: 0, store: 0 };
 * tm.on('token', (e: TokenEvent) => {
 *   origins[e.how] += 1;
 *   if (e.how === 'grant' && !e.hasRefreshToken) log.info(`no refresh token: a new ${e.grant} grant after ${new Date(e.expiresAt).toISOString()}`);
 * });
 * ```
 */
export interface TokenEvent {
  /** How the token was obtained. */
  readonly how: 'grant' | 'refresh' | 'store';
  /** The grant used (`client_credentials`, `password`, `refresh_token`). */
  readonly grant: string;
  /** Expiry of the new access token, epoch ms. */
  readonly expiresAt: number;
  /** Whether a refresh token came with it. */
  readonly hasRefreshToken: boolean;
  /** The token type (`Bearer`). */
  readonly tokenType: string;
}

/**
 * Payload of the `retry` event.
 *
 * @example
 * ```ts
 * import type { RetryEvent } from 'tokenward';
 *
 * // A flaky IdP shows up as retries before it shows up as errors.
 * tm.on('retry', ({ attempt, retriesLeft, error }: RetryEvent) => {
 *   log.warn(`token endpoint try ${attempt} failed: ${error.status ?? error.code}; ${retriesLeft} retries left`);
 * });
 * ```
 */
export interface RetryEvent {
  /** The try that failed, counting from 1. */
  readonly attempt: number;
  /** Retries left after this one. */
  readonly retriesLeft: number;
  /** Why it failed. */
  readonly error: TokenwardError;
}

/**
 * Options of a {@link TokenManager}. Exactly one of `tokenUrl` and `issuer` is required.
 *
 * @example
 * ```ts
 * import { TokenManager, type TokenManagerOptions } from 'tokenward';
 *
 * // Auth0 machine-to-machine: the API is named by an `audience` sent with every token request.
 * const options: TokenManagerOptions = {
 *   issuer: 'https://acme.eu.auth0.com/', // Auth0's issuer ends with a slash: keep it
 *   clientId: process.env.AUTH0_CLIENT_ID!,
 *   clientSecret: process.env.AUTH0_CLIENT_SECRET!,
 *   params: { audience: 'https://orders.example.com' },
 *   baseUrl: 'https://orders.example.com',
 * };
 * const orders = new TokenManager(options);
 * const open = await orders.fetch('/v1/orders?status=open');
 * ```
 */
export interface TokenManagerOptions extends EnterpriseOptions, GrantOptions {
  /**
   * The token endpoint, used exactly as given (Jim2's carries a site path: `http://host/Jim_Test/token`).
   * No user info (`user:pass@`) in this or any URL option: credentials go in their own options.
   * Not together with `issuer`.
   */
  tokenUrl?: string | URL;
  /** The OAuth client id. */
  clientId?: string;
  /**
   * The client secret. Never logged, never in an error. Present with the value `undefined` (an unset
   * environment variable) it is a `ConfigError`, unless no secret is used: `clientAuth: 'none'` (a
   * public client), or a `privateKey`, `clientAssertion` or `tls` certificate authenticates the client.
   */
  clientSecret?: string;
  /**
   * The grant: `client_credentials`, `password`, `token_exchange` (RFC 8693, see `subjectToken`),
   * `jwt_bearer` (RFC 7523 §2.1, see `assertion`), or any other grant by its URI (see `grantParams`).
   * @default 'password' when `username` is set, else 'client_credentials'
   */
  grant?: GrantName;
  /** Resource owner's user name for the password grant (`DOMAIN\user` is fine). */
  username?: string;
  /** Resource owner's password. Never logged, never in an error. */
  password?: string;
  /**
   * Client authentication. `auto` uses `private_key_jwt` when `privateKey` or `clientAssertion` is set,
   * `tls_client_auth` when only `tls` is, `none` without a secret; with a secret, a method the discovered
   * metadata lists, else Basic first and body once if the server says the client was not authenticated.
   * @default 'auto'
   */
  clientAuth?: ClientAuthMethod;
  /** How Basic credentials are encoded: RFC 6749 §2.3.1 form-encoding, or raw for servers that do not decode. @default 'form' */
  basicEncoding?: 'form' | 'none';
  /** Scope: a string is sent as is (Bright Pattern's is a host name), an array is joined with spaces. */
  scope?: string | readonly string[];
  /** Extra body fields sent with every token request (`{ WindowsAuthentication: false }`, `{ audience }`). */
  params?: Readonly<Record<string, ParamValue>>;
  /** Token request body format. @default 'form' */
  bodyFormat?: 'form' | 'json';
  /** Send client credentials on refresh_token requests too (RFC 6749 §6 for confidential clients). @default true */
  refreshWithClientAuth?: boolean;
  /** A WHATWG fetch to use instead of undici (tests pass msw-patched `globalThis.fetch`). Not together with `dispatcher`. */
  fetch?: FetchLike;
  /** An undici `Dispatcher` (`Agent`, `ProxyAgent`, `EnvHttpProxyAgent`) for every request; e.g. one with your CA for self-signed servers. */
  dispatcher?: Dispatcher;
  /** Timeout of each token request, in milliseconds (at most 2^31-1). @default 10000 */
  timeout?: number;
  /** Retry policy for transient failures, or `false` to never retry. */
  retry?: RetryOptions | false;
  /** Seconds before expiry at which a token counts as expiring (never more than half its lifetime). @default 60 */
  refreshSkew?: number;
  /** Lifetime in seconds assumed when the answer has no `expires_in` and the token is not a JWT with `exp`. @default 300 */
  defaultExpiresIn?: number;
  /** Refresh in the background on an `unref()`ed timer so callers never wait. Keeps server sessions alive. @default false */
  proactive?: boolean;
  /** Where tokens are kept. @default a new in-memory store */
  store?: TokenStore;
  /** Largest token answer accepted, in bytes (at most 2^31-1). @default 1048576 */
  maxResponseBytes?: number;
  /**
   * How many parameter sets (`getToken({ audience })`, `tm.for({ resource })`, ...) keep a cached token
   * at once, besides the manager's own; the least recently used is dropped (and, with a `logoff`
   * configured, its session released). @default 100
   */
  maxCachedTokens?: number;
  /** Base URL for relative `tm.fetch` inputs; its origin is allowed to receive the token. */
  baseUrl?: string | URL;
  /** More origins (`https://api.example.com`) that may receive the token from `tm.fetch`. */
  allowedOrigins?: readonly string[];
  /** Decides whether an API answer means "token rejected"; may read `response.clone()`. @default 401, or `WWW-Authenticate` with `invalid_token` */
  isAuthFailure?: (response: Response) => boolean | Promise<boolean>;
  /** How `logoff()` releases the server session; `false` (the default) only forgets locally. */
  logoff?: LogoffOptions | false;
  /** Re-classify a token-endpoint error (Jim2 uses it to tell "no licence free" apart). */
  mapError?: (error: TokenwardError) => ErrorCode | undefined;
  /** Lifecycle hooks; also available as `tm.on(...)`. */
  hooks?: TokenwardHooks;
  /**
   * DPoP (RFC 9449): sender-constrained tokens. `true` generates an ES256 key per manager; a fleet that
   * shares tokens shares the key: `{ privateKey }` (PEM, JWK or `KeyObject`; a secret). Every token
   * request and every API call made through `tm.fetch` or the interceptor carries a proof.
   * @default false
   */
  dpop?: DpopOption;
}
