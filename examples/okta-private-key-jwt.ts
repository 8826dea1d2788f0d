/**
 * Okta service app with private_key_jwt: `npx tsx examples/okta-private-key-jwt.ts`.
 *
 * Okta's service apps authenticate with a JWT signed by a key whose public half is registered with the
 * app (Okta console → the app → Client Credentials → Public key / Private key). A local oidc-provider
 * stands in for the org's custom authorization server (`/oauth2/default`); the key is a JWK with a `kid`,
 * as Okta's console hands it out.
 */
import { generateKeyPairSync } from 'node:crypto';
import { TokenManager } from 'tokenward';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';

// What Okta's "Generate new key" gives you: a private JWK (keep it in your secret store) and its public half.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'okta-demo-key-1' };
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'okta-demo-key-1' };

const idp = await startEnterpriseIdp({
  path: '/oauth2/default',
  clients: [{ client_id: '0oa-demo-service', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } }],
});
try {
  const tm = new TokenManager({
    issuer: idp.issuer, // e.g. https://acme.okta.com/oauth2/default
    clientId: '0oa-demo-service',
    privateKey: privateJwk, // RS256 from the key, kid from the JWK
  });
  const res = await tm.fetch(idp.apiUrl);
  console.log(`GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  await tm.getToken({ forceRefresh: true });
  const assertions = idp.requests.filter((r) => r.path.endsWith('/token')).map((r) => new URLSearchParams(r.body).get('client_assertion'));
  console.log(`client authentication: ${tm.clientAuth}`);
  console.log(`assertions sent: ${assertions.length}, all different: ${new Set(assertions).size === assertions.length}`);
  const header = JSON.parse(Buffer.from(assertions[0]!.split('.')[0]!, 'base64url').toString());
  console.log(`assertion header: alg=${header.alg} kid=${header.kid}`);
} finally {
  await idp.close();
}
