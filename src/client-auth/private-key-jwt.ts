/**
 * `private_key_jwt` (OpenID Connect Core §9, RFC 7523 §2.2): a JWT signed with the client's private key,
 * or supplied by the caller's `clientAssertion` function.
 * @module
 */
import { type AssertionSource, JWT_BEARER_ASSERTION } from './assertion.js';
import type { ClientAuthStrategy, ClientAuthTarget, EndpointRequest } from './strategy.js';

/** Client authentication by a JWT assertion from `source`; `client_id` is sent too when known. */
export function privateKeyJwt(clientId: string | undefined, source: AssertionSource): ClientAuthStrategy {
  return {
    method: 'private_key_jwt',
    label: 'private_key_jwt',
    decorate: (request, target) => addAssertion(request, target, clientId, source),
  };
}

/** Appends `client_id`, `client_assertion_type` and a fresh `client_assertion`. Shared with client_secret_jwt. */
export async function addAssertion(request: EndpointRequest, target: ClientAuthTarget, clientId: string | undefined, source: AssertionSource): Promise<void> {
  const assertion = await source(target.audience);
  request.secrets.push(assertion);
  if (clientId !== undefined) request.fields.push(['client_id', clientId]);
  request.fields.push(['client_assertion_type', JWT_BEARER_ASSERTION], ['client_assertion', assertion]);
}
