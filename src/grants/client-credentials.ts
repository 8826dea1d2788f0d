/**
 * The client credentials grant (RFC 6749 §4.4): the client's own token; client authentication is all it sends.
 * @module
 */
import type { Grant, GrantRequest } from './grant.js';

const REQUEST: GrantRequest = Object.freeze({ fields: Object.freeze({ grant_type: 'client_credentials' }), secrets: Object.freeze([]) as readonly string[] });

/** `grant_type=client_credentials`. */
export function clientCredentialsGrant(): Grant {
  return { name: 'client_credentials', request: () => REQUEST, secrets: [] };
}
