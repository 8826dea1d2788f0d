/**
 * Choosing the client-authentication method: fixed when configured, else `auto`, which picks what the
 * server's metadata says it supports, or probes (Basic, then body once on a client-authentication
 * failure) and keeps what worked for the life of the manager.
 * @module
 */
import type { TokenwardError } from '../errors.js';
import { isClientNotAuthenticated } from './encoding.js';
import type { ClientAuthStrategy, WireClientAuth } from './strategy.js';

/** Which strategies to try for a request, and what their answers taught. */
export interface ClientAuthPolicy {
  /** The method in use: configured or learned; `undefined` before `auto` has learned one. */
  readonly current: WireClientAuth | undefined;
  /**
   * The strategies to try for the next request, in order: more than one only while `auto` probes.
   * `supported` is the server's `token_endpoint_auth_methods_supported`, when discovery gave it.
   */
  candidates(supported?: readonly string[]): readonly ClientAuthStrategy[];
  /** Reports how the server answered `strategy`: without `error` it worked. */
  settle(strategy: ClientAuthStrategy, error?: TokenwardError): void;
}

/** A configured method: always the same strategy, nothing to learn. */
export function fixedClientAuth(strategy: ClientAuthStrategy): ClientAuthPolicy {
  const only = [strategy] as const;
  return { current: strategy.method, candidates: () => only, settle: () => {} };
}

/** The RFC 7591 name of a method, as servers list it in `token_endpoint_auth_methods_supported`. */
export function registeredName(method: WireClientAuth): string {
  return method === 'basic' ? 'client_secret_basic' : method === 'body' ? 'client_secret_post' : method;
}

/**
 * `auto`: `preferred` in order of preference for picking from the server's list; without a list (or
 * when it names none of them), `probe` in order, moving on only when the server says the client was not
 * authenticated ({@link isClientNotAuthenticated}).
 */
export class LearningClientAuth implements ClientAuthPolicy {
  readonly #probe: readonly ClientAuthStrategy[];
  readonly #preferred: readonly ClientAuthStrategy[];
  #learned: ClientAuthStrategy | undefined;

  constructor(probe: readonly ClientAuthStrategy[], preferred: readonly ClientAuthStrategy[] = probe) {
    this.#probe = probe;
    this.#preferred = preferred;
  }

  get current(): WireClientAuth | undefined {
    return this.#learned?.method;
  }

  candidates(supported?: readonly string[]): readonly ClientAuthStrategy[] {
    if (this.#learned !== undefined) return [this.#learned];
    if (supported !== undefined) {
      const pick = this.#preferred.find((s) => supported.includes(registeredName(s.method)));
      if (pick !== undefined) return [pick];
    }
    return this.#probe;
  }

  settle(strategy: ClientAuthStrategy, error?: TokenwardError): void {
    if (error === undefined) {
      this.#learned = strategy;
      return;
    }
    // A later probe that got past client authentication (the grant itself failed: invalid_grant, ...)
    // is what this server takes. A 5xx or network error proves nothing: learn nothing.
    if (strategy !== this.#probe[0] && error.error !== undefined && !isClientNotAuthenticated(error)) this.#learned = strategy;
  }
}
