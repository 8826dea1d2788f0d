/**
 * Auth0 machine-to-machine with `audience`: `npx tsx examples/auth0-audience.ts`.
 *
 * Auth0's client credentials grant names the API by an `audience` parameter, sent with every token
 * request (tokenward's `params`), and a token per audience is cached under its own key. A local
 * oidc-provider stands in for `https://<tenant>.auth0.com/`.
 */
import { TokenManager } from 'tokenward';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';

const idp = await startEnterpriseIdp({
  clients: [{ client_id: 'm2m-demo', client_secret: 'auth0-demo-secret', token_endpoint_auth_method: 'client_secret_post' }],
});
try {
  const options = { issuer: idp.issuer, clientId: 'm2m-demo', clientSecret: 'auth0-demo-secret' };
  const orders = new TokenManager({ ...options, params: { audience: 'https://orders.example.com' } });
  const billing = new TokenManager({ ...options, params: { audience: 'https://billing.example.com' } });
  await orders.getToken();
  await billing.getToken();
  await orders.getToken(); // cached
  const sent = idp.requests.filter((r) => r.path === '/token').map((r) => new URLSearchParams(r.body).get('audience'));
  console.log(`token requests: ${sent.length}, audiences: ${sent.join(', ')}`);
  console.log(`separate cache keys: ${orders.cacheKey !== billing.cacheKey}`);
  console.log(`client authentication: ${orders.clientAuth} (picked from the metadata, no probing)`);
  console.log(`GET /api/me → ${(await orders.fetch(idp.apiUrl)).status}`);
} finally {
  await idp.close();
}
