/**
 * Options: validated once, in the constructor, and resolved against the defaults into what the rest of
 * tokenward reads. The option types live in `options-types.ts`, the defaults table in
 * `options-defaults.ts`, the shape check in `options-schema.ts`; this module re-exports them.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { WireClientAuth } from './client-auth/strategy.js';
import { type DpopKey, type DpopOption, resolveDpop } from './dpop.js';
import { ConfigError, type ErrorCode, type TokenwardError } from './errors.js';
import { DEFAULTS } from './options-defaults.js';
import { type ResolvedEnterprise, resolveEnterprise } from './options-enterprise.js';
import { hideUserInfo, userInfoProblem } from './options-fields.js';
import { type ResolvedGrants, resolveGrants } from './options-grants.js';
import { parseOptions } from './options-schema.js';
import type { FetchLike, GrantName, ParamValue, RetryOptions, TokenManagerOptions, TokenwardHooks } from './options-types.js';
import { hasScheme } from './request-parts.js';
import type { TokenStore } from './store.js';
import { CREDENTIAL_OPTIONS, describeUndefined, undefinedKeys } from './unset-credentials.js';

export { DEFAULTS } from './options-defaults.js';
export type {
  ClientAuthMethod,
  FetchLike,
  GrantName,
  LogoffOptions,
  ParamValue,
  RetryEvent,
  RetryOptions,
  TokenEvent,
  TokenManagerOptions,
  TokenwardHooks,
} from './options-types.js';

/** Options after validation and defaults. @internal What the rest of tokenward reads. */
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
  logoff:
    | { style: 'bearer'; url: URL | undefined; method: string }
    | { style: 'revoke'; url: URL | undefined; tokens: ReadonlyArray<'refresh_token' | 'access_token'> }
    | false;
  mapError: ((error: TokenwardError) => ErrorCode | undefined) | undefined;
  hooks: TokenwardHooks;
  /** The DPoP proof key, or `undefined` when DPoP is off. */
  dpop: DpopKey | undefined;
}

/**
 * Credentials given as `undefined`; the message naming them, if any. An undefined `clientSecret` is
 * fine where no secret is used: a public client (`clientAuth: 'none'`), or one that authenticates with
 * a key, an assertion or a certificate (`{ ...defaults, clientSecret: undefined, privateKey }`). Then an
 * unset variable cannot silently change what is sent.
 */
function undefinedCredentials(input: Record<string, unknown>): string | undefined {
  const noSecretUsed =
    input.clientAuth === 'none' ||
    ['privateKey', 'clientAssertion'].some((name) => input[name] !== undefined) ||
    (input.tls as { cert?: unknown } | undefined)?.cert !== undefined;
  const names = undefinedKeys(input, CREDENTIAL_OPTIONS).filter((name) => !(name === 'clientSecret' && noSecretUsed));
  return names.length === 0 ? undefined : describeUndefined(names, names.includes('clientSecret'));
}

/**
 * Validates options and applies {@link DEFAULTS}.
 * @internal Called by `TokenManager`'s constructor; tests import it from this module.
 * @throws {ConfigError} naming the option, what was expected and (for non-secrets) what was given; also
 * for a credential (`clientId`, `clientSecret`, `username`, `password`, `privateKey`) given as `undefined`.
 */
export function resolveOptions(input: TokenManagerOptions): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigError(`options must be an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  const unset = undefinedCredentials(input as unknown as Record<string, unknown>);
  if (unset !== undefined) throw new ConfigError(unset);
  const parsed = parseOptions(input);
  if (!parsed.ok) throw new ConfigError(`invalid options: ${parsed.problems.join('; ')}`);
  const o = parsed.options;
  // The fetch given is used as is; a dispatcher only configures tokenward's own undici fetch.
  if (o.fetch !== undefined && o.dispatcher !== undefined) {
    throw new ConfigError(
      'options `fetch` and `dispatcher` cannot be used together: with `fetch` set, `dispatcher` would be ignored (pass the dispatcher to your fetch instead)',
    );
  }
  const grant = (o.grant ?? (o.username !== undefined ? 'password' : 'client_credentials')) as GrantName;
  if (grant === 'password' && (o.username === undefined || o.password === undefined)) {
    throw new ConfigError('option `grant` is "password", which needs both `username` and `password`');
  }
  const clientAuth: ResolvedOptions['clientAuth'] =
    o.clientAuth === 'client_secret_basic' ? 'basic' : o.clientAuth === 'client_secret_post' ? 'body' : (o.clientAuth ?? DEFAULTS.clientAuth);
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
    logoff =
      o.logoff.style === 'bearer'
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
