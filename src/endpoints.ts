/**
 * Where the client talks to: the token endpoint (and revocation endpoint, supported client-auth methods)
 * either configured (`tokenUrl`) or discovered from the issuer's metadata (`issuer`, see `discovery.ts`).
 * @module
 */
import { Discovery } from './discovery.js';
import type { Emitter } from './events.js';
import type { RetryOptions } from './options.js';
import type { TokenStore } from './store.js';
import type { Send } from './transport.js';

/** The endpoints a manager uses. URLs are strings, used exactly as given or discovered. */
export interface Endpoints {
  /** The issuer identifier, when discovery found the endpoints. */
  readonly issuer?: string;
  /** The token endpoint, or its RFC 8705 mTLS alias when a client certificate is configured. */
  readonly token: string;
  /** The token endpoint itself (not its alias): the `aud` of assertions without an issuer. */
  readonly tokenAudience: string;
  /** The RFC 7009 revocation endpoint (mTLS alias applied), when the metadata names one. */
  readonly revocation?: string;
  /** `token_endpoint_auth_methods_supported`, when the metadata lists it. */
  readonly authMethods?: readonly string[];
}

/** A source of {@link Endpoints}. */
export interface EndpointSource {
  /** The endpoints; with discovery, fetched once (single-flight) and cached. */
  get(signal?: AbortSignal): Endpoints | Promise<Endpoints>;
  /**
   * The token endpoint answered 404 (it moved): forget cached metadata so the next `get` fetches it
   * again. Returns whether there was anything to forget (a configured `tokenUrl` has not).
   */
  invalidate(): boolean;
}

/** The configured `tokenUrl`: nothing to discover or forget. */
export function staticEndpoints(tokenUrl: URL): EndpointSource {
  const endpoints: Endpoints = { token: tokenUrl.href, tokenAudience: tokenUrl.href };
  return { get: () => endpoints, invalidate: () => false };
}

/** What {@link createEndpoints} reads. */
export interface EndpointsInput {
  tokenUrl: URL | undefined;
  issuer: string | undefined;
  tls: { certificate: unknown } | undefined;
  retry: Required<RetryOptions> | false;
  store: TokenStore | undefined;
}

/** The endpoint source for these options: `tokenUrl` as is, or discovery from `issuer`. */
export function createEndpoints(o: EndpointsInput, send: Send, events: Emitter): EndpointSource {
  if (o.tokenUrl !== undefined) return staticEndpoints(o.tokenUrl);
  return new Discovery({ issuer: o.issuer!, send, retry: o.retry, events, mtls: o.tls?.certificate !== undefined, store: o.store });
}
