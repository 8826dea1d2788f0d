/**
 * oidc-provider (panva, OpenID Certified): `npx tsx examples/oidc-provider.ts`.
 *
 * Starts the real provider in process on 127.0.0.1 (configured in examples/_servers/oidc-provider.ts,
 * the same setup as test/interop/oidc-provider.test.ts) with a protected `/api/me` that introspects the
 * bearer token. Then: a password grant with client_secret_basic (a secret holding `:`, `+` and `%`),
 * API calls on the cached token, a refresh that follows the provider's rotation, and logoff by RFC 7009
 * revocation, after which the provider reports both tokens inactive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from 'tokenward';
import { createOidcProvider, introspect, OIDC_BASIC_CLIENT, OIDC_USER, protectedMe } from './_servers/oidc-provider.js';

// One server on an ephemeral port: /api/me is the protected API, everything else is the provider.
let issuer = '';
let provider: ReturnType<typeof createOidcProvider> | undefined;
const server = http.createServer((req, res) => {
  if (req.url === '/api/me') {
    void protectedMe(issuer, req.headers.authorization).then((a) => {
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ? JSON.stringify(a.body) : '');
    });
  } else provider!.callback()(req, res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
provider = createOidcProvider(issuer, { ttlSeconds: 60 });
console.log(`oidc-provider at ${issuer}`);

const tm = new TokenManager({
  tokenUrl: `${issuer}/token`,
  baseUrl: issuer,
  clientId: OIDC_BASIC_CLIENT.id,
  clientSecret: OIDC_BASIC_CLIENT.secret,
  clientAuth: 'client_secret_basic',
  username: OIDC_USER.username,
  password: OIDC_USER.password,
  logoff: { style: 'revoke', url: `${issuer}/token/revocation` },
});
tm.on('token', (e) => console.log(`token: ${e.how} (${e.grant})`));

try {
  for (let i = 0; i < 3; i++) {
    const res = await tm.fetch('/api/me');
    console.log(`GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  }
  const first = await tm.getToken();
  const second = await tm.getToken({ forceRefresh: true });
  console.log(`refreshed: the provider rotated the refresh token: ${second.refreshToken !== first.refreshToken}`);
  console.log(`GET /api/me → ${(await tm.fetch('/api/me')).status}`);

  await tm.logoff(); // revokes the refresh token, then the access token
  const after = await Promise.all([introspect(issuer, second.accessToken), introspect(issuer, second.refreshToken!)]);
  console.log(`logged off: access token active=${after[0]!.active}, refresh token active=${after[1]!.active}`);
} finally {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
