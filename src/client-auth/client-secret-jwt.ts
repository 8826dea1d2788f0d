/**
 * `client_secret_jwt` (OpenID Connect Core §9): a JWT signed with HMAC (HS256 by default) keyed by the
 * client secret, so the secret itself never travels.
 * @module
 */
import { createSecretKey } from 'node:crypto';
import { signedAssertion } from './assertion.js';
import { addAssertion } from './private-key-jwt.js';
import type { ClientAuthStrategy } from './strategy.js';

/** Client authentication by an HMAC-signed assertion. */
export function clientSecretJwt(clientId: string, clientSecret: string, alg: string, lifetimeSeconds: number): ClientAuthStrategy {
  const source = signedAssertion(clientId, { key: createSecretKey(Buffer.from(clientSecret, 'utf8')), alg, header: {} }, lifetimeSeconds);
  return {
    method: 'client_secret_jwt',
    label: 'client_secret_jwt',
    decorate: (request, target) => addAssertion(request, target, clientId, source),
  };
}
