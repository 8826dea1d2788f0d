/**
 * `tls_client_auth` (RFC 8705 §2.1): the client proves itself with a CA-issued certificate in the TLS
 * handshake (the `tls` option's dispatcher presents it); the request carries only `client_id`.
 * @module
 */
import type { EndpointRequest, SyncClientAuthStrategy } from './strategy.js';

/** PKI mutual-TLS client authentication. */
export function tlsClientAuth(clientId: string, method: 'tls_client_auth' | 'self_signed_tls_client_auth' = 'tls_client_auth'): SyncClientAuthStrategy {
  return {
    method,
    label: method === 'tls_client_auth' ? 'a client certificate (tls_client_auth)' : 'a self-signed client certificate (self_signed_tls_client_auth)',
    decorate(request: EndpointRequest): void {
      request.fields.push(['client_id', clientId]);
    },
  };
}
