/**
 * Authorization-server metadata: OpenID Connect Discovery 1.0 and RFC 8414. Fetched once per manager
 * (single-flight), cached in memory and in the store for fleets, fetched again only when the token
 * endpoint answers 404, and never on a cache-hit `getToken()`.
 *
 * Order: `{issuer}/.well-known/openid-configuration` first (OIDC Discovery §4: the well-known suffix
 * appended to the issuer, path kept; served by Entra ID, Okta, Auth0, Keycloak, Ping), then RFC 8414
 * §3.1's `{origin}/.well-known/oauth-authorization-server{issuer path}` (path inserted), for plain OAuth
 * servers. The next is tried only when one answers 404/405/410 (not there); any other failure is the answer.
 * @module
 */
import { createHash } from 'node:crypto';
import type { EndpointSource, Endpoints } from './endpoints.js';
import { ErrorCode, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import type { RetryOptions } from './options.js';
import { withRetry } from './retry.js';
import type { TokenStore } from './store.js';
import { redactUrl, type Send } from './transport.js';

/** How long a fleet's stored copy of the metadata is reused before a process fetches it again. */
export const METADATA_STORE_TTL_MS = 3_600_000;

/** The metadata fields tokenward uses, checked. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint?: string;
  readonly token_endpoint_auth_methods_supported?: readonly string[];
  readonly mtls_endpoint_aliases?: { readonly token_endpoint?: string; readonly revocation_endpoint?: string };
}

/** The well-known URLs for `issuer`, in the order they are tried. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
}

/** Options of {@link Discovery}. */
export interface DiscoveryOptions {
  issuer: string;
  send: Send;
  retry: Required<RetryOptions> | false;
  events: Emitter;
  /** Use `mtls_endpoint_aliases` (RFC 8705 §5): a client certificate is configured. */
  mtls: boolean;
  /** A store with `getJson`/`setJson` to share the metadata across a fleet. */
  store?: TokenStore | undefined;
}

/** The issuer's endpoints, discovered. */
export class Discovery implements EndpointSource {
  readonly #o: DiscoveryOptions;
  readonly #storeKey: string;
  #endpoints: Endpoints | undefined;
  #loading: Promise<Endpoints> | undefined;
  /** After a 404 from the token endpoint the stored copy is as stale as ours: skip it once. */
  #skipStore = false;

  constructor(options: DiscoveryOptions) {
    this.#o = options;
    this.#storeKey = `tokenward:metadata:${createHash('sha256').update(options.issuer).digest('base64url').slice(0, 32)}`;
  }

  get(signal?: AbortSignal): Endpoints | Promise<Endpoints> {
    if (this.#endpoints !== undefined) return this.#endpoints;
    // Single-flight: callers share one load; a failed load is not cached, the next call tries again.
    this.#loading ??= this.#load(signal).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  invalidate(): boolean {
    this.#endpoints = undefined;
    this.#skipStore = true;
    return true;
  }

  async #load(signal?: AbortSignal): Promise<Endpoints> {
    const store = this.#o.store;
    let metadata: IssuerMetadata | undefined;
    if (!this.#skipStore && store?.getJson !== undefined) {
      try {
        const stored = await store.getJson(this.#storeKey);
        // The stored copy is checked like a fetched one (a store is shared, and may hold anything); one
        // that fails the check is reported and fetched afresh.
        if (stored !== undefined && stored !== null) metadata = checkMetadata(stored, this.#o.issuer, 'the token store');
      } catch (err) {
        this.#storeFailed(err);
      }
    }
    if (metadata === undefined) {
      metadata = await this.#fetch(signal);
      if (store?.setJson !== undefined) {
        try {
          await store.setJson(this.#storeKey, metadata, METADATA_STORE_TTL_MS);
        } catch (err) {
          this.#storeFailed(err);
        }
      }
    }
    this.#skipStore = false;
    this.#endpoints = endpointsOf(metadata, this.#o.mtls);
    return this.#endpoints;
  }

  async #fetch(signal?: AbortSignal): Promise<IssuerMetadata> {
    const urls = metadataUrls(this.#o.issuer);
    const missing: string[] = [];
    for (const url of urls) {
      const res = await withRetry(
        async () => {
          let answer: Awaited<ReturnType<Send>>;
          try {
            answer = await this.#o.send({ url, method: 'GET', headers: { accept: 'application/json' } }, signal);
          } catch (err) {
            throw discoveryError(url, `could not be fetched: ${String((err as Error)?.message).replace(/^tokenward: /, '')}`, err);
          }
          // 408, 429 and 5xx are retried like a token request's (see retry.ts).
          if (answer.status === 408 || answer.status === 429 || answer.status >= 500)
            throw discoveryError(url, `answered ${answer.status}`, undefined, answer.status);
          return answer;
        },
        this.#o.retry,
        (attempt, retriesLeft, error) => this.#o.events.emit('retry', { attempt, retriesLeft, error }),
        signal,
      );
      if (res.status === 404 || res.status === 405 || res.status === 410) {
        missing.push(`${redactUrl(url)} (${res.status})`);
        continue;
      }
      if (res.status < 200 || res.status > 299) throw discoveryError(url, `answered ${res.status}`, undefined, res.status);
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        throw discoveryError(url, `answered ${res.status} with a body that is not JSON`, undefined, res.status);
      }
      return checkMetadata(body, this.#o.issuer, redactUrl(url));
    }
    throw new TokenwardError(
      ErrorCode.DISCOVERY,
      `no metadata for issuer ${JSON.stringify(this.#o.issuer)}: ${missing.join(', ')}; check \`issuer\`, or give \`tokenUrl\` instead`,
    );
  }

  #storeFailed(err: unknown): void {
    this.#o.events.emit(
      'store-error',
      new TokenwardError(ErrorCode.STORE, `token store failed on discovery metadata: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
    );
  }
}

/**
 * Checks a metadata document: `issuer` equal to the configured one, character for character (RFC 8414
 * §3.3, OIDC Discovery §4.3: the mix-up defence), a `token_endpoint`, and well-formed optional fields.
 */
export function checkMetadata(doc: unknown, issuer: string, where: string): IssuerMetadata {
  const fail = (what: string) => new TokenwardError(ErrorCode.DISCOVERY, `discovery metadata from ${where} ${what}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.issuer !== issuer) {
    throw fail(`names issuer ${JSON.stringify(m.issuer)}, not the configured ${JSON.stringify(issuer)}; refusing it (mix-up defence, RFC 8414 §3.3)`);
  }
  const url = (name: string, value: unknown, required: boolean): string | undefined => {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || !URL.canParse(value)) throw fail(value === undefined ? `has no ${name}` : `has a ${name} that is not a URL`);
    const u = new URL(value);
    // http only when the issuer itself is http (a local test server); a real one is https throughout.
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && issuer.startsWith('http:')))
      throw fail(`has a ${name} that is not https: ${JSON.stringify(redactUrl(value))}`);
    if (u.username !== '' || u.password !== '') throw fail(`has a ${name} with user info`);
    return value;
  };
  const methods = m.token_endpoint_auth_methods_supported;
  if (methods !== undefined && !(Array.isArray(methods) && methods.every((x) => typeof x === 'string')))
    throw fail('has a token_endpoint_auth_methods_supported that is not a list of strings');
  const aliases = m.mtls_endpoint_aliases;
  if (aliases !== undefined && (typeof aliases !== 'object' || aliases === null || Array.isArray(aliases)))
    throw fail('has an mtls_endpoint_aliases that is not an object');
  const a = (aliases ?? {}) as Record<string, unknown>;
  const mtlsToken = url('mtls_endpoint_aliases.token_endpoint', a.token_endpoint, false);
  const mtlsRevocation = url('mtls_endpoint_aliases.revocation_endpoint', a.revocation_endpoint, false);
  const revocation = url('revocation_endpoint', m.revocation_endpoint, false);
  return {
    issuer,
    token_endpoint: url('token_endpoint', m.token_endpoint, true)!,
    ...(revocation !== undefined ? { revocation_endpoint: revocation } : {}),
    ...(methods !== undefined ? { token_endpoint_auth_methods_supported: methods as string[] } : {}),
    ...(aliases !== undefined
      ? {
          mtls_endpoint_aliases: {
            ...(mtlsToken !== undefined ? { token_endpoint: mtlsToken } : {}),
            ...(mtlsRevocation !== undefined ? { revocation_endpoint: mtlsRevocation } : {}),
          },
        }
      : {}),
  };
}

/** The endpoints to use: with a client certificate, the RFC 8705 §5 aliases where the metadata has them. */
function endpointsOf(m: IssuerMetadata, mtls: boolean): Endpoints {
  const alias = mtls ? m.mtls_endpoint_aliases : undefined;
  const revocation = alias?.revocation_endpoint ?? m.revocation_endpoint;
  return {
    issuer: m.issuer,
    token: alias?.token_endpoint ?? m.token_endpoint,
    tokenAudience: m.token_endpoint,
    ...(revocation !== undefined ? { revocation } : {}),
    ...(m.token_endpoint_auth_methods_supported !== undefined ? { authMethods: m.token_endpoint_auth_methods_supported } : {}),
  };
}

function discoveryError(url: string, what: string, cause?: unknown, status?: number): TokenwardError {
  const transient = cause instanceof TokenwardError ? cause : undefined;
  // Keep a network failure's code (and so its retries); anything else is a discovery error.
  const code =
    transient && (transient.code === ErrorCode.NETWORK || transient.code === ErrorCode.TIMEOUT || transient.code === ErrorCode.ABORTED)
      ? transient.code
      : ErrorCode.DISCOVERY;
  return new TokenwardError(code, `discovery: ${redactUrl(url)} ${what}`, {
    ...(status !== undefined ? { status } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}
