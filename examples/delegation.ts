/**
 * Delegation against a real oidc-provider in process: `npx tsx examples/delegation.ts`.
 *
 * The provider (examples/_servers/oidc-grants.ts, the same setup as test/interop/delegation.test.ts)
 * has RFC 8693 token exchange and the RFC 7523 JWT-bearer grant registered, and an orders API that
 * verifies every token with jose. A gateway exchanges each user's token for an orders token on that
 * user's behalf (one exchange per user, then cached); a CI bot gets a token with an assertion tokenward
 * signs; the same grant also runs by its URI with `grantParams`.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { TokenManager } from 'tokenward';
import { GRANTS_CLIENT, GRANTS_USER, GRANTS_USER_2, JWT_BEARER, startGrantsIdp, TOKEN_EXCHANGE } from './_servers/oidc-grants.js';

const CI = 'https://ci.example.com';
const ci = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const idp = await startGrantsIdp({ trustedIssuers: { [CI]: { ...ci.publicKey.export({ format: 'jwk' }), alg: 'ES256' } } });
const { gateway, orders } = idp.apis as Record<'gateway' | 'orders', NonNullable<(typeof idp.apis)[string]>>;
const client = { tokenUrl: idp.tokenUrl, clientId: GRANTS_CLIENT.id, clientSecret: GRANTS_CLIENT.secret, allowedOrigins: [idp.apiOrigin] };
console.log(`oidc-provider at ${idp.issuer}, APIs at ${idp.apiOrigin}`);

try {
  // The users' tokens for the gateway: in production, the bearer tokens of the requests it serves.
  const userToken = async (user: { username: string; password: string }) =>
    (await new TokenManager({ ...client, username: user.username, password: user.password }).getToken({ resource: gateway.resource })).accessToken;
  const users = { alice: await userToken(GRANTS_USER), bob: await userToken(GRANTS_USER_2) };

  // 1. Token exchange (RFC 8693): an on-behalf-of view per user, in one line.
  const gatewayTm = new TokenManager({ ...client, grant: 'token_exchange' });
  const before = idp.tokenRequests.length;
  for (const name of ['alice', 'bob', 'alice', 'bob'] as const) {
    const onBehalf = gatewayTm.for({ subjectToken: users[name], resource: orders.resource });
    const res = await onBehalf.fetch(`${orders.resource}mine`);
    const body = (await res.json()) as { sub: string; aud: string };
    console.log(
      `on behalf of ${name}: GET /orders/mine → ${res.status} (token for sub=${body.sub}, aud=${body.aud === orders.resource ? 'orders' : body.aud})`,
    );
  }
  const exchanges = idp.tokenRequests.slice(before).filter((r) => r.body.get('grant_type') === TOKEN_EXCHANGE).length;
  console.log(`token exchanges: ${exchanges} (one per user, then cached)`);
  const exchanged = await gatewayTm.getToken({ subjectToken: users.alice, resource: orders.resource });
  console.log(`issued_token_type: ${exchanged.issuedTokenType}`);

  // 2. JWT bearer (RFC 7523 §2.1): tokenward signs the assertion for every token request.
  const bot = new TokenManager({ ...client, grant: 'jwt_bearer', assertion: { privateKey: ci.privateKey, issuer: CI, subject: 'build-bot' } });
  const built = await bot.for({ resource: orders.resource }).fetch(`${orders.resource}builds`);
  console.log(`jwt_bearer: GET /orders/builds → ${built.status} as ${((await built.json()) as { sub: string }).sub}`);

  // 3. Any grant by its URI: the same grant, its fields in grantParams (a function called per request).
  const sign = () =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(CI)
      .setSubject('deploy-bot')
      .setAudience(idp.issuer)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(ci.privateKey);
  const byUri = new TokenManager({ ...client, grant: JWT_BEARER, grantParams: { assertion: sign } });
  const deployed = await byUri.for({ resource: orders.resource }).fetch(`${orders.resource}deploys`);
  console.log(`grant by URI: GET /orders/deploys → ${deployed.status} as ${((await deployed.json()) as { sub: string }).sub}`);
} finally {
  await idp.close();
}
