/**
 * The resource owner password grant (RFC 6749 §4.3): the seed systems' way in (Jim2, Veeam, InfoLink,
 * the ASP.NET token endpoint). OAuth 2.1 drops it; business systems still need it.
 * @module
 */
import type { Grant } from './grant.js';

/** `grant_type=password` with the user's name and password (the password is scrubbed from answers). */
export function passwordGrant(username: string, password: string): Grant {
  const request = Object.freeze({ fields: Object.freeze({ grant_type: 'password', username, password }), secrets: Object.freeze([password]) });
  return { name: 'password', request: () => request, secrets: [password] };
}
