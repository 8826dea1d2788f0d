/**
 * Keycloak with discovery: `npx tsx examples/keycloak-discovery.ts`.
 *
 * A local oidc-provider stands in for a Keycloak realm (`/realms/acme`). tokenward is given the issuer
 * only: it reads `/realms/acme/.well-known/openid-configuration`, checks the issuer, takes the token and
 * revocation endpoints and the client-auth methods, and logs off by RFC 7009 revocation.
 */
import { TokenManager } from 'tokenward';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';

const idp = await startEnterpriseIdp({
  path: '/realms/acme',
  clients: [{ client_id: 'orders-service', client_secret: 'kc-demo-secret', token_endpoint_auth_method: 'client_secret_basic' }],
});
try {
  const tm = new TokenManager({
    issuer: idp.issuer, // e.g. https://sso.example.com/realms/acme
    clientId: 'orders-service',
    clientSecret: 'kc-demo-secret',
    logoff: { style: 'revoke' }, // the discovered revocation_endpoint
  });
  tm.on('token', (e) => console.log(`token: ${e.how} (${e.grant})`));

  const res = await tm.fetch(idp.apiUrl);
  console.log(`GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  await tm.getToken({ forceRefresh: true });
  console.log(`client authentication: ${tm.clientAuth} (picked from token_endpoint_auth_methods_supported)`);
  const metadata = idp.requests.filter((r) => r.path.includes('/.well-known/'));
  console.log(`metadata requests: ${metadata.length} (${metadata.map((r) => r.path).join(', ')})`);

  const token = await tm.getToken();
  await tm.logoff();
  const revoked = idp.requests.filter((r) => r.path === '/realms/acme/token/revocation').length;
  console.log(`logged off: ${revoked} revocation request(s), token still known to the server: ${(await idp.findToken(token.accessToken)) !== undefined}`);
} finally {
  await idp.close();
}
