/**
 * Client authentication: the strategies (one file each) and the policy that picks among them, built once
 * per manager from the options.
 * @module
 */
import type { ResolvedOptions } from '../options.js';
import { externalAssertion, signedAssertion } from './assertion.js';
import { type ClientAuthPolicy, fixedClientAuth, LearningClientAuth } from './auto.js';
import { clientSecretBasic } from './basic.js';
import { clientSecretJwt } from './client-secret-jwt.js';
import { noneAuth } from './none.js';
import { clientSecretPost } from './post.js';
import { privateKeyJwt } from './private-key-jwt.js';
import { selfSignedTlsClientAuth } from './self-signed-tls-client-auth.js';
import type { ClientAuthStrategy, WireClientAuth } from './strategy.js';
import { tlsClientAuth } from './tls-client-auth.js';

export { type ClientAuthPolicy, registeredName } from './auto.js';
export { basicAuthorization, formEncode, isClientNotAuthenticated } from './encoding.js';
export { type ClientAuthStrategy, type ClientAuthTarget, type EndpointRequest, NO_CLIENT_AUTH, type WireClientAuth } from './strategy.js';

type Options = Pick<
  ResolvedOptions,
  'clientAuth' | 'clientId' | 'clientSecret' | 'basicEncoding' | 'signingKey' | 'clientAssertion' | 'assertionLifetime' | 'hmacAlgorithm' | 'tls'
>;

/**
 * The client-authentication policy for these options. `auto` resolves to `private_key_jwt` when a key
 * or assertion function is given, to mutual TLS when only a certificate is, to `none` without a secret;
 * with a secret it learns (see {@link LearningClientAuth}).
 */
export function createClientAuth(o: Options): ClientAuthPolicy {
  if (o.clientAuth !== 'auto') return fixedClientAuth(strategy(o.clientAuth, o));
  if (o.signingKey !== undefined || o.clientAssertion !== undefined) return fixedClientAuth(strategy('private_key_jwt', o));
  if (o.clientSecret === undefined) {
    if (o.tls?.certificate !== undefined && o.clientId !== undefined)
      return new LearningClientAuth([strategy('tls_client_auth', o)], [strategy('tls_client_auth', o), strategy('self_signed_tls_client_auth', o)]);
    // Without a secret there is nothing to put in a Basic header: a public client sends its id in the body.
    return fixedClientAuth(strategy('none', o));
  }
  const basic = strategy('basic', o);
  const post = strategy('body', o);
  return new LearningClientAuth([basic, post], [basic, post, strategy('client_secret_jwt', o)]);
}

/** The strategy for one method; options were checked to hold what it needs. */
function strategy(method: WireClientAuth, o: Options): ClientAuthStrategy {
  const id = o.clientId ?? '';
  switch (method) {
    case 'basic':
      return clientSecretBasic(id, o.clientSecret ?? '', o.basicEncoding);
    case 'body':
      return clientSecretPost(id, o.clientSecret);
    case 'none':
      return noneAuth(o.clientId);
    case 'private_key_jwt':
      return privateKeyJwt(
        o.clientId,
        o.signingKey !== undefined ? signedAssertion(id, o.signingKey, o.assertionLifetime) : externalAssertion(o.clientAssertion!),
      );
    case 'client_secret_jwt':
      return clientSecretJwt(id, o.clientSecret ?? '', o.hmacAlgorithm, o.assertionLifetime);
    case 'tls_client_auth':
      return tlsClientAuth(id);
    case 'self_signed_tls_client_auth':
      return selfSignedTlsClientAuth(id);
  }
}
