/**
 * Mutual TLS (RFC 8705) with certificate-bound tokens: `npx tsx examples/mtls.ts`.
 *
 * The client proves itself with a certificate (`tls_client_auth`), token requests go to the discovered
 * `mtls_endpoint_aliases`, and the access token is bound to the certificate (`cnf.x5t#S256`), so the API
 * accepts it only from a caller presenting that certificate: `tm.fetch` does, through tokenward's own
 * transport, and so does your own undici `Agent` composed with the `tokenward/undici` interceptor.
 * A local oidc-provider plays the authorization server and a protected API checks the binding.
 */

import { TokenManager } from 'tokenward';
import { authInterceptor } from 'tokenward/undici';
import { Agent, request } from 'undici';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';
import { makePki } from './_servers/pki.js';

const pki = makePki(); // a CA, the server's certificate, and `client` (CN=svc-mtls) issued by the CA
const idp = await startEnterpriseIdp({
  tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
  clients: [
    {
      client_id: 'svc-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=svc-mtls',
      tls_client_certificate_bound_access_tokens: true,
    },
  ],
});
try {
  const tm = new TokenManager({
    issuer: idp.issuer,
    clientId: 'svc-mtls',
    tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert },
    baseUrl: idp.mtlsOrigin,
  });
  const res = await tm.fetch('/api/me');
  console.log(`tm.fetch GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  console.log(
    `client authentication: ${tm.clientAuth}; token requests went to the mTLS alias: ${idp.requests.filter((r) => r.path.endsWith('/token')).every((r) => r.listener === 'mtls')}`,
  );

  // Your own dispatcher: give it the same certificate, and the interceptor adds the token.
  const api = new Agent({ connect: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert } }).compose(authInterceptor(tm));
  const viaInterceptor = await request(idp.apiUrl, { dispatcher: api });
  console.log(`interceptor GET /api/me → ${viaInterceptor.statusCode}`);
  await viaInterceptor.body.dump();

  // Without the certificate the bound token is worthless.
  const token = await tm.getToken();
  const stranger = new Agent({ connect: { cert: pki.otherClient.cert, key: pki.otherClient.key, ca: pki.ca.cert } });
  const stolen = await request(idp.apiUrl, { dispatcher: stranger, headers: { authorization: `Bearer ${token.accessToken}` } });
  console.log(`the same token from another certificate → ${stolen.statusCode}`);
  await stolen.body.dump();
  await Promise.all([api.close(), stranger.close()]);
} finally {
  await idp.close();
}
