/**
 * The one job of client authentication: decorate a token-endpoint request (token, refresh, revocation)
 * with this client's credentials. Each method is a small strategy in its own file.
 * @module
 */
import type { ParamValue } from '../options.js';

/**
 * How the client authenticates, as `tm.clientAuth` reports it: tokenward's short names for the secret
 * methods (`basic` is RFC 7591's `client_secret_basic`, `body` its `client_secret_post`), RFC 7591 /
 * RFC 8705 names for the others.
 *
 * @example
 * ```ts
 * import type { WireClientAuth } from 'tokenward';
 *
 * await tm.getToken();
 * const learned: WireClientAuth | undefined = tm.clientAuth; // e.g. 'body' after the server refused Basic
 * ```
 */
export type WireClientAuth = 'basic' | 'body' | 'none' | 'private_key_jwt' | 'client_secret_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth';

/** A request to an endpoint that authenticates clients, while it is being prepared. */
export interface EndpointRequest {
  /** Where it goes (the token or revocation endpoint). */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  /** Body fields in order; client authentication appends its own. */
  readonly fields: Array<[string, ParamValue]>;
  /** Values this request carries that must be scrubbed from anything derived from its answer. */
  readonly secrets: string[];
}

/** What a strategy may need to know about the request's destination. */
export interface ClientAuthTarget {
  /**
   * The `aud` of a client assertion: the configured `assertionAudience`, else the issuer identifier when
   * known (the recommendation after the 2025 private_key_jwt audience disclosure), else the token endpoint.
   */
  readonly audience: string;
}

/**
 * One client-authentication method. `decorate` is called for every request, first tries, retries,
 * refreshes and revocations alike, so a signed assertion is always fresh.
 */
export interface ClientAuthStrategy {
  /** The method's name, as `tm.clientAuth` reports it. */
  readonly method: WireClientAuth;
  /** How an error message names it: "Basic", "body credentials". */
  readonly label: string;
  /** Adds this client's credentials to `request` (headers and/or body fields). */
  decorate(request: EndpointRequest, target: ClientAuthTarget): void | Promise<void>;
}

/** A strategy whose decoration needs no I/O: the three secret-or-nothing methods. */
export interface SyncClientAuthStrategy extends ClientAuthStrategy {
  decorate(request: EndpointRequest, target?: ClientAuthTarget): void;
}

/** Decorates nothing: a refresh sent without client authentication (`refreshWithClientAuth: false`). */
export const NO_CLIENT_AUTH: SyncClientAuthStrategy = Object.freeze({
  method: 'none',
  label: 'no client authentication',
  decorate(): void {},
});
