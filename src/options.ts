/**
 * Options: their types, the one defaults table, and validation (once, in the constructor).
 * @module
 */
import { z } from 'zod';
import type { Dispatcher } from 'undici';
import { ConfigError, type ErrorCode, type TokenwardError } from './errors.js';
import { hasScheme } from './request-parts.js';
import type { WireClientAuth } from './client-auth/strategy.js';
import { resolveDpop, type DpopKey, type DpopOption } from './dpop.js';
import { enterpriseSchema, hideUserInfo, resolveEnterprise, type EnterpriseOptions, type ResolvedEnterprise } from './options-enterprise.js';
import { GRANT_DEFAULTS, grantSchema, resolveGrants, SECRET_GRANT_OPTIONS, type GrantOptions, type ResolvedGrants } from './options-grants.js';
import type { TokenStore } from './store.js';
import { CREDENTIAL_OPTIONS, describeUndefined, undefinedKeys } from './unset-credentials.js';

/** A WHATWG-`fetch`-compatible function: `globalThis.fetch`, `undici.fetch`, or a test's mock. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * How the client authenticates at the token endpoint: the RFC 7591 / RFC 8705 names, plus tokenward's
 * short `basic` (= `client_secret_basic`) and `body` (= `client_secret_post`), and `auto`.
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
 */
export type GrantName = 'client_credentials' | 'password' | 'token_exchange' | 'jwt_bearer' | `${string}:${string}`;

/** A value of an extra body field. Kept typed in JSON bodies (`WindowsAuthentication: false`). */
export type ParamValue = string | number | boolean;

/**
 * Retry policy for transient token-endpoint failures (network, timeout, 408, 429, 5xx). Times are at
 * most 2^31-1 ms (a Node timer's limit). A `Retry-After` over 60 s, or over the budget left, is not
 * waited for: the error is thrown at once.
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

/** How `logoff()` releases the session at the server. */
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

/** Lifecycle hooks. Payloads never hold a token or secret. */
export interface TokenwardHooks {
  /** A token was acquired or refreshed. */
  onToken?: (event: TokenEvent) => void;
  /** A token request (or a background refresh, or logoff) failed. */
  onError?: (error: TokenwardError) => void;
  /** A transient failure is about to be retried. */
  onRetry?: (event: RetryEvent) => void;
}

/** Payload of the `token` event. */
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

/** Payload of the `retry` event. */
export interface RetryEvent {
  /** The try that failed, counting from 1. */
  readonly attempt: number;
  /** Retries left after this one. */
  readonly retriesLeft: number;
  /** Why it failed. */
  readonly error: TokenwardError;
}

/** Options of a {@link TokenManager}. Exactly one of `tokenUrl` and `issuer` is required. */
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

/**
 * Every default in one place. A test asserts this table against the docs, so they cannot drift.
 */
export const DEFAULTS = Object.freeze({
  clientAuth: 'auto',
  basicEncoding: 'form',
  bodyFormat: 'form',
  refreshWithClientAuth: true,
  timeout: 10_000,
  retry: Object.freeze({ retries: 3, minTimeout: 200, maxTimeout: 5_000, maxRetryTime: 30_000 }),
  refreshSkew: 60,
  defaultExpiresIn: 300,
  proactive: false,
  maxResponseBytes: 1_048_576,
  maxCachedTokens: 100,
  logoffMethod: 'DELETE',
  revokeTokens: Object.freeze(['refresh_token', 'access_token'] as const),
  assertionLifetime: 60,
  dpop: false,
  ...GRANT_DEFAULTS,
} as const);

/** Options after validation and defaults. */
export interface ResolvedOptions extends ResolvedEnterprise, ResolvedGrants {
  /** The token endpoint as configured; `undefined` with `issuer` (then discovery finds it). */
  tokenUrl: URL | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  grant: GrantName;
  username: string | undefined;
  password: string | undefined;
  clientAuth: 'auto' | WireClientAuth;
  basicEncoding: 'form' | 'none';
  scope: string | undefined;
  params: Readonly<Record<string, ParamValue>>;
  bodyFormat: 'form' | 'json';
  refreshWithClientAuth: boolean;
  fetch: FetchLike | undefined;
  dispatcher: Dispatcher | undefined;
  timeout: number;
  retry: Required<RetryOptions> | false;
  refreshSkew: number;
  defaultExpiresIn: number;
  proactive: boolean;
  store: TokenStore | undefined;
  maxResponseBytes: number;
  maxCachedTokens: number;
  baseUrl: URL | undefined;
  allowedOrigins: ReadonlySet<string>;
  isAuthFailure: ((response: Response) => boolean | Promise<boolean>) | undefined;
  /** `url` is `undefined` when discovery gives it: the token endpoint (bearer) or the revocation endpoint. */
  logoff: { style: 'bearer'; url: URL | undefined; method: string } | { style: 'revoke'; url: URL | undefined; tokens: ReadonlyArray<'refresh_token' | 'access_token'> } | false;
  mapError: ((error: TokenwardError) => ErrorCode | undefined) | undefined;
  hooks: TokenwardHooks;
  /** The DPoP proof key, or `undefined` when DPoP is off. */
  dpop: DpopKey | undefined;
}

const httpUrl = z.union([z.string(), z.instanceof(URL)]).transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be an absolute http(s) URL, got ${JSON.stringify(hideUserInfo(String(value)))}` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must use http: or https:, got ${JSON.stringify(url.protocol)}` });
    return z.NEVER;
  }
  const userInfo = userInfoProblem(url);
  if (userInfo !== undefined) {
    ctx.addIssue({ code: 'custom', message: userInfo });
    return z.NEVER;
  }
  return url;
});

/**
 * Why a URL with user info (`https://user:pass@host/token`) is refused, or `undefined`. fetch() refuses
 * such URLs (and its error quoted the password); credentials belong in `clientId`/`clientSecret`.
 * The message never repeats the user info.
 */
function userInfoProblem(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `must not contain user info (user:password@); pass credentials as \`clientId\`/\`clientSecret\` or \`username\`/\`password\`, got ${JSON.stringify(`${url.protocol}//[user info]@${url.host}${url.pathname}`)}`;
}


/** The largest delay a Node timer takes (2^31-1 ms, about 24.8 days); a longer one fires after 1 ms. */
const MAX_INT32 = 2_147_483_647;
const maxInt32 = { message: `must be at most ${MAX_INT32} (2^31-1, about 24.8 days in milliseconds)` };

const nonEmpty = z.string().min(1, { message: 'must not be empty' });
const positiveMs = z.number().int().positive().max(MAX_INT32, maxInt32);
// A size, not a time: its messages speak of bytes.
const wholeBytes = { message: 'must be a positive whole number of bytes' };
const positiveBytes = z.number().int(wholeBytes).positive(wholeBytes).max(MAX_INT32, { message: `must be at most ${MAX_INT32} bytes (2^31-1, 2 GiB)` });
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });

const schema = z
  .object({
    tokenUrl: httpUrl.optional(),
    issuer: httpUrl.optional(),
    clientId: nonEmpty.optional(),
    clientSecret: z.string().optional(),
    grant: z
      .string()
      .refine((v) => ['client_credentials', 'password', 'token_exchange', 'jwt_bearer'].includes(v) || /^[a-z][a-z\d+.-]*:\S+$/i.test(v), {
        message: 'must be one of "client_credentials", "password", "token_exchange", "jwt_bearer", or an extension grant\'s absolute URI',
      })
      .optional(),
    username: nonEmpty.optional(),
    password: z.string().optional(),
    clientAuth: z
      .enum(['auto', 'basic', 'body', 'none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'])
      .optional(),
    ...enterpriseSchema,
    ...grantSchema,
    basicEncoding: z.enum(['form', 'none']).optional(),
    scope: z.union([z.string(), z.array(nonEmpty)]).optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    bodyFormat: z.enum(['form', 'json']).optional(),
    refreshWithClientAuth: z.boolean().optional(),
    fetch: fn.optional(),
    dispatcher: z.custom<Dispatcher>((v) => typeof v === 'object' && v !== null && typeof (v as Dispatcher).dispatch === 'function', {
      message: 'must be an undici Dispatcher (Agent, ProxyAgent, ...)',
    }).optional(),
    timeout: positiveMs.optional(),
    retry: z
      .union([
        z.literal(false),
        z.object({
          retries: z.number().int().min(0).max(20).optional(),
          minTimeout: z.number().int().min(0).max(MAX_INT32, maxInt32).optional(),
          maxTimeout: z.number().int().min(0).max(MAX_INT32, maxInt32).optional(),
          maxRetryTime: positiveMs.optional(),
        }).strict(),
      ])
      .optional(),
    refreshSkew: z.number().min(0).optional(),
    defaultExpiresIn: z.number().positive().optional(),
    proactive: z.boolean().optional(),
    store: z.custom<TokenStore>(
      (v) => typeof v === 'object' && v !== null && ['get', 'set', 'delete'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      { message: 'must implement get(key), set(key, token) and delete(key)' },
    ).optional(),
    maxResponseBytes: positiveBytes.optional(),
    maxCachedTokens: z.number().int().min(1).max(1_000_000).optional(),
    baseUrl: httpUrl.optional(),
    allowedOrigins: z.array(httpUrl).optional(),
    isAuthFailure: fn.optional(),
    logoff: z
      .union([
        z.literal(false),
        z.object({ style: z.literal('bearer'), url: z.union([z.string(), z.instanceof(URL)]).optional(), method: z.string().regex(/^[A-Za-z]+$/).optional() }).strict(),
        z.object({ style: z.literal('revoke'), url: z.union([z.string(), z.instanceof(URL)]).optional(), tokens: z.array(z.enum(['refresh_token', 'access_token'])).min(1).optional() }).strict(),
      ])
      .optional(),
    mapError: fn.optional(),
    hooks: z.object({ onToken: fn.optional(), onError: fn.optional(), onRetry: fn.optional() }).strict().optional(),
    dpop: z
      .union([z.boolean(), z.object({ privateKey: z.custom<DpopOption>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), { message: 'must be a PEM string or Buffer, a JWK object or a KeyObject' }) }).strict()], {
        error: 'must be true, false or `{ privateKey }`',
      })
      .optional(),
  })
  .strict();

/** Options whose values must never be echoed in an error message. */
const SECRET_OPTIONS = new Set<string>(['clientSecret', 'password', 'privateKey', 'tls', 'proxy', 'clientAssertion', 'dpop', ...SECRET_GRANT_OPTIONS]);

/**
 * Credentials given as `undefined`; the message naming them, if any. An undefined `clientSecret` is
 * fine where no secret is used: a public client (`clientAuth: 'none'`), or one that authenticates with
 * a key, an assertion or a certificate (`{ ...defaults, clientSecret: undefined, privateKey }`). Then an
 * unset variable cannot silently change what is sent.
 */
function undefinedCredentials(input: Record<string, unknown>): string | undefined {
  const noSecretUsed = input.clientAuth === 'none' || ['privateKey', 'clientAssertion', 'tls'].some((name) => input[name] !== undefined);
  const names = undefinedKeys(input, CREDENTIAL_OPTIONS).filter((name) => !(name === 'clientSecret' && noSecretUsed));
  return names.length === 0 ? undefined : describeUndefined(names, names.includes('clientSecret'));
}

/**
 * Validates options and applies {@link DEFAULTS}.
 * @throws {ConfigError} naming the option, what was expected and (for non-secrets) what was given; also
 * for a credential (`clientId`, `clientSecret`, `username`, `password`, `privateKey`) given as `undefined`.
 */
export function resolveOptions(input: TokenManagerOptions): ResolvedOptions {
  if (typeof input !== 'object' || input === null) throw new ConfigError(`options must be an object, got ${input === null ? 'null' : typeof input}`);
  const unset = undefinedCredentials(input as unknown as Record<string, unknown>);
  if (unset !== undefined) throw new ConfigError(unset);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => describeIssue(issue, input as unknown as Record<string, unknown>));
    throw new ConfigError(`invalid options: ${lines.join('; ')}`);
  }
  const o = parsed.data;
  // The fetch given is used as is; a dispatcher only configures tokenward's own undici fetch.
  if (o.fetch !== undefined && o.dispatcher !== undefined) {
    throw new ConfigError('options `fetch` and `dispatcher` cannot be used together: with `fetch` set, `dispatcher` would be ignored (pass the dispatcher to your fetch instead)');
  }
  const grant = (o.grant ?? (o.username !== undefined ? 'password' : 'client_credentials')) as GrantName;
  if (grant === 'password' && (o.username === undefined || o.password === undefined)) {
    throw new ConfigError('option `grant` is "password", which needs both `username` and `password`');
  }
  const clientAuth: ResolvedOptions['clientAuth'] = o.clientAuth === 'client_secret_basic' ? 'basic' : o.clientAuth === 'client_secret_post' ? 'body' : (o.clientAuth ?? DEFAULTS.clientAuth);
  // Without this, `auto` would send a Basic header for an empty client id.
  if (o.clientSecret !== undefined && o.clientId === undefined) {
    throw new ConfigError('option `clientSecret` is set, which needs `clientId`');
  }
  const enterprise = resolveEnterprise(o, input.issuer, clientAuth, DEFAULTS.assertionLifetime);
  // The endpoints' own URL: the token endpoint, else the issuer (whose metadata names the token endpoint).
  const endpointBase = o.tokenUrl ?? o.issuer!;
  const scope = o.scope === undefined ? undefined : typeof o.scope === 'string' ? o.scope : o.scope.join(' ');
  const retry = o.retry === false ? false : { ...DEFAULTS.retry, ...o.retry };
  // A base URL names a directory (Jim2's `http://host/Jim_Test`); the token URL names a file in one.
  const resolveAgainst = o.baseUrl ? new URL(o.baseUrl.href.endsWith('/') ? o.baseUrl.href : `${o.baseUrl.href}/`) : endpointBase;
  let logoff: ResolvedOptions['logoff'] = false;
  if (o.logoff) {
    // Without a url: bearer logoff goes to the token endpoint, revocation to the discovered one.
    const given = o.logoff.url ?? (o.logoff.style === 'bearer' ? o.tokenUrl : undefined);
    if (given === undefined && o.logoff.style === 'revoke' && enterprise.issuer === undefined) {
      throw new ConfigError("option `logoff.url` is required for style 'revoke' without `issuer` (whose metadata gives the revocation endpoint)");
    }
    const url = given === undefined ? undefined : resolveUrl(given, resolveAgainst, 'logoff.url', o.baseUrl !== undefined);
    const userInfo = url === undefined ? undefined : userInfoProblem(url);
    if (userInfo !== undefined) throw new ConfigError(`invalid options: option \`logoff.url\` ${userInfo}`);
    logoff = o.logoff.style === 'bearer'
      ? { style: 'bearer', url, method: (o.logoff.method ?? DEFAULTS.logoffMethod).toUpperCase() }
      : { style: 'revoke', url, tokens: o.logoff.tokens ?? DEFAULTS.revokeTokens };
  }
  // With `issuer` and no `baseUrl`, the issuer's origin: known at construction, and never widened by what a
  // metadata document says (its token endpoint may live elsewhere, and an API token must not follow it).
  const allowed = new Set<string>([(o.baseUrl ?? endpointBase).origin]);
  for (const url of o.allowedOrigins ?? []) allowed.add(url.origin);
  return {
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    grant,
    username: o.username,
    password: o.password,
    clientAuth,
    basicEncoding: o.basicEncoding ?? DEFAULTS.basicEncoding,
    scope,
    params: Object.freeze({ ...o.params }),
    bodyFormat: o.bodyFormat ?? DEFAULTS.bodyFormat,
    refreshWithClientAuth: o.refreshWithClientAuth ?? DEFAULTS.refreshWithClientAuth,
    fetch: o.fetch as FetchLike | undefined,
    dispatcher: o.dispatcher,
    timeout: o.timeout ?? DEFAULTS.timeout,
    retry,
    refreshSkew: o.refreshSkew ?? DEFAULTS.refreshSkew,
    defaultExpiresIn: o.defaultExpiresIn ?? DEFAULTS.defaultExpiresIn,
    proactive: o.proactive ?? DEFAULTS.proactive,
    store: o.store,
    maxResponseBytes: o.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
    maxCachedTokens: o.maxCachedTokens ?? DEFAULTS.maxCachedTokens,
    baseUrl: o.baseUrl,
    allowedOrigins: allowed,
    isAuthFailure: o.isAuthFailure as ResolvedOptions['isAuthFailure'],
    logoff,
    mapError: o.mapError as ResolvedOptions['mapError'],
    hooks: (o.hooks ?? {}) as TokenwardHooks,
    dpop: resolveDpop(o.dpop as DpopOption | undefined),
    ...enterprise,
    ...resolveGrants(o, grant, enterprise.signingKey),
  };
}

function resolveUrl(value: string | URL, base: URL, name: string, underBaseUrl = true): URL {
  try {
    // As in `tm.fetch`, a leading slash stays under `baseUrl`'s site path (`/api/v1/logoff` on Jim2's
    // `http://host/Jim_Test/` is `http://host/Jim_Test/api/v1/logoff`); absolute URLs are kept. Against
    // `tokenUrl` (no baseUrl) `/api/token` means the origin's root, as Veeam's logoff does.
    if (underBaseUrl && typeof value === 'string' && !hasScheme(value)) return new URL(value.replace(/^\/+/, ''), base);
    return new URL(value, base);
  } catch {
    throw new ConfigError(`option \`${name}\` must be a URL, got ${JSON.stringify(hideUserInfo(String(value)))}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const path = issue.path.map(String).join('.');
  const top = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
  let given = '';
  if (!SECRET_OPTIONS.has(top)) {
    let value: unknown = input;
    for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
    given = `, got ${describeValue(value)}`;
  }
  const message = issue.code === 'invalid_value' ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message.replace(/^Invalid input: /, '');
  return `option \`${path}\` ${message}${message.includes(', got ') ? '' : given}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

