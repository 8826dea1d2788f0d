/**
 * `self_signed_tls_client_auth` (RFC 8705 §2.2): as `tls_client_auth` on the wire, but the server
 * matches the certificate against keys registered for the client rather than a CA.
 * @module
 */
import type { SyncClientAuthStrategy } from './strategy.js';
import { tlsClientAuth } from './tls-client-auth.js';

/** Self-signed mutual-TLS client authentication. */
export function selfSignedTlsClientAuth(clientId: string): SyncClientAuthStrategy {
  return tlsClientAuth(clientId, 'self_signed_tls_client_auth');
}
