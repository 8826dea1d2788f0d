/**
 * `none` (RFC 7591 §2): a public client sends only its `client_id`.
 * @module
 */
import type { EndpointRequest, SyncClientAuthStrategy } from './strategy.js';

/** A public client: `client_id` in the body when there is one, nothing else. */
export function noneAuth(clientId: string | undefined): SyncClientAuthStrategy {
  return {
    method: 'none',
    label: 'no client secret',
    decorate(request: EndpointRequest): void {
      if (clientId !== undefined) request.fields.push(['client_id', clientId]);
    },
  };
}
