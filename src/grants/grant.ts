/**
 * A grant as the first step of a token source: what one token request of that grant sends. The token
 * endpoint client (`sources.ts`) then applies client authentication, sends, and normalises the answer,
 * whatever the grant; each grant is a small module of its own (`grants/*.ts`).
 * @module
 */
import type { ResolvedParameters } from '../token-params.js';

/** What one grant request sends besides client authentication and the token's parameter set. */
export interface GrantRequest {
  /** `grant_type` first, then the grant's own fields, in order; `undefined` values are left out. */
  readonly fields: Readonly<Record<string, string | undefined>>;
  /** Values among the fields that must be scrubbed from anything derived from the answer. */
  readonly secrets: readonly string[];
}

/** What a grant may need to know about where the request goes. */
export interface GrantTarget {
  /** The `aud` of a signed assertion: `assertionAudience`, else the issuer when known, else the token endpoint. */
  readonly audience: string;
}

/** One grant (`client_credentials`, `password`, token exchange, JWT bearer, an extension grant by URI). */
export interface Grant {
  /** The grant's name as events report it: the `grant` option (`client_credentials`, `token_exchange`, a URI). */
  readonly name: string;
  /**
   * The fields of one request for the token of `parameters`. Called for every try (first, retries, a
   * DPoP nonce retry), so signed assertions and values from the caller's functions are always fresh.
   */
  request(parameters: ResolvedParameters, target: GrantTarget): GrantRequest | Promise<GrantRequest>;
  /** Secrets the grant holds from the options (a configured subject token): scrubbed from every answer. */
  readonly secrets: readonly string[];
}
