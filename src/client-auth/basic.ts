/**
 * `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-encoded, joined with `:`, base64 in an
 * `Authorization: Basic` header.
 * @module
 */
import { basicAuthorization } from './encoding.js';
import type { EndpointRequest, SyncClientAuthStrategy } from './strategy.js';

/** HTTP Basic client authentication; `encoding: 'none'` sends id and secret raw for servers that do not form-decode. */
export function clientSecretBasic(clientId: string, clientSecret: string, encoding: 'form' | 'none'): SyncClientAuthStrategy {
  const header = basicAuthorization(clientId, clientSecret, encoding);
  return {
    method: 'basic',
    label: 'Basic',
    decorate(request: EndpointRequest): void {
      request.headers.authorization = header;
      // A debugging proxy that echoes request headers must not leak the pair.
      request.secrets.push(header.slice('Basic '.length));
    },
  };
}
