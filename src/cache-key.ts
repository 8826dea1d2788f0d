/**
 * The cache key: everything that shapes the token (URL, client, grant and its inputs, user, scope, params), hashed,
 * so a key never holds a secret or a user name. Secrets are left out on purpose: rotating a secret
 * must not orphan the live token (the httpx-auth trap).
 * @module
 */
import { createHash } from 'node:crypto';
import type { ResolvedOptions } from './options.js';

/** `tokenward:<sha256 prefix>` for these options. */
export function cacheKey(
  o: Pick<ResolvedOptions, 'tokenUrl' | 'issuer' | 'clientId' | 'grant' | 'username' | 'scope' | 'params' | 'grantKey' | 'dpop'>,
): string {
  const params = Object.keys(o.params)
    .sort()
    .map((k) => [k, o.params[k]]);
  // With `issuer`, the issuer names the server: the token endpoint it publishes may change.
  const parts: unknown[] = [o.tokenUrl?.href ?? `issuer:${o.issuer}`, o.clientId ?? null, o.grant, o.username ?? null, o.scope ?? null, params];
  // What the delegation grants add (hashes of a configured subject token, ...); only when there is
  // something, so every other manager keeps the key it always had in a shared store.
  if (o.grantKey !== '') parts.push(o.grantKey);
  // A DPoP-bound token is useless with another key: a manager with another key never adopts one.
  if (o.dpop !== undefined) parts.push(`dpop:${o.dpop.jkt}`);
  const material = JSON.stringify(parts);
  return `tokenward:${createHash('sha256').update(material).digest('base64url').slice(0, 32)}`;
}
