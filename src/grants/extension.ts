/**
 * Any other grant by its absolute URI (RFC 6749 §4.5): `grant: 'urn:…'`, its fields in `grantParams`
 * (see `params.ts`), client authentication and normalisation as for every grant.
 * @module
 */
import type { Grant, GrantRequest } from './grant.js';

/** `grant_type=<uri>`; `withGrantParams` adds the grant's own fields. */
export function extensionGrant(uri: string): Grant {
  const request: GrantRequest = Object.freeze({ fields: Object.freeze({ grant_type: uri }), secrets: Object.freeze([]) as readonly string[] });
  return { name: uri, request: () => request, secrets: [] };
}
