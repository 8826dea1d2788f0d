/**
 * `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` in the request body.
 * @module
 */
import type { EndpointRequest, SyncClientAuthStrategy } from './strategy.js';

/** Client credentials in the body (tokenward's `body`). */
export function clientSecretPost(clientId: string, clientSecret: string | undefined): SyncClientAuthStrategy {
  return {
    method: 'body',
    label: 'body credentials',
    decorate(request: EndpointRequest): void {
      request.fields.push(['client_id', clientId]);
      if (clientSecret !== undefined) request.fields.push(['client_secret', clientSecret]);
    },
  };
}
