/**
 * DPoP against a real oidc-provider in process: `npx tsx examples/dpop.ts`.
 *
 * The provider (examples/_servers/oidc-grants.ts, the same setup as test/interop/dpop.test.ts) requires
 * DPoP nonces at its token endpoint and binds tokens to the client's key; the orders API verifies every
 * proof with jose (key thumbprint against the token's cnf.jkt, htm, htu, ath, jti replay) and requires
 * its own nonce. tokenward answers both nonce challenges once, then every call is one request.
 */

import { TokenManager } from 'tokenward';
import { authInterceptor } from 'tokenward/undici';
import { Agent, request } from 'undici';
import { GRANTS_CLIENT, startGrantsIdp } from './_servers/oidc-grants.js';

const idp = await startGrantsIdp({ apis: ['orders'], tokenEndpointNonce: true, apiNonce: true });
const orders = idp.apis.orders!;
console.log(`oidc-provider at ${idp.issuer} (DPoP nonces required), orders API at ${orders.resource}`);

const tm = new TokenManager({
  tokenUrl: idp.tokenUrl,
  clientId: GRANTS_CLIENT.id,
  clientSecret: GRANTS_CLIENT.secret,
  allowedOrigins: [idp.apiOrigin],
  dpop: true, // an ES256 key for this manager; a fleet shares one: dpop: { privateKey }
});
tm.on('token', (e) => console.log(`token: ${e.how} (${e.grant}), token_type ${e.tokenType}`));
const agent = new Agent().compose(authInterceptor(tm.for({ resource: orders.resource })));

try {
  const view = tm.for({ resource: orders.resource });
  for (const path of ['open', 'open?page=2', 'closed']) {
    const res = await view.fetch(`${orders.resource}${path}`);
    const body = (await res.json()) as { jkt: string | null };
    console.log(`tm.fetch GET /orders/${path} → ${res.status} (proof verified against cnf.jkt: ${body.jkt !== null})`);
  }
  const tokenStatuses = idp.tokenRequests.length;
  console.log(`token requests: ${tokenStatuses} (the first answered use_dpop_nonce, the retry had the nonce)`);
  console.log(`API answers: ${orders.requests.map((r) => r.status).join(', ')} (one nonce challenge, then one request per call)`);

  orders.rotateNonce();
  const { statusCode, body } = await request(`${orders.resource}via-undici`, { method: 'POST', body: '{}', dispatcher: agent });
  await body.dump();
  console.log(
    `interceptor POST /orders/via-undici after the API rotated its nonce → ${statusCode} (answers: ${orders.requests
      .slice(-2)
      .map((r) => r.status)
      .join(', ')})`,
  );
  console.log(`token requests still: ${idp.tokenRequests.length}`);
} finally {
  await agent.close();
  await tm.logoff();
  await idp.close();
}
