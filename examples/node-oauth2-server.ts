/**
 * @node-oauth/oauth2-server 5: `npx tsx examples/node-oauth2-server.ts`.
 *
 * Starts the real library in process on 127.0.0.1 with an in-memory model (examples/_servers/
 * node-oauth2-server.ts, the same setup as test/interop/node-oauth2-server.test.ts) and a protected
 * `/api/me` using its `authenticate()`. Then: a password grant as `DOMAIN\alice`, API calls on the cached
 * token, a refresh following the server's rotated refresh token, a 401 (the server forgot the token)
 * recovered by one refresh and one replay, and logoff (the library has no revocation endpoint, so the
 * tokens are forgotten locally).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from 'tokenward';
import { createInMemoryOAuth2, OAUTH2_USER, type OAuth2WireAnswer } from './_servers/node-oauth2-server.js';

const oauth = createInMemoryOAuth2();
const routes: Record<string, (req: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }) => Promise<OAuth2WireAnswer>> = {
  'POST /oauth/token': oauth.token,
  'GET /api/me': oauth.me,
};
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const wire = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    const route = routes[`${wire.method} ${wire.path.split('?')[0]}`];
    if (route === undefined) return void res.writeHead(404).end();
    const answer = await route(wire);
    const json = typeof answer.body === 'object';
    res
      .writeHead(answer.status, { ...(json ? { 'content-type': 'application/json' } : {}), ...answer.headers })
      .end(json ? JSON.stringify(answer.body) : answer.body);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`@node-oauth/oauth2-server at ${base}`);

const tm = new TokenManager({
  tokenUrl: `${base}/oauth/token`,
  baseUrl: base,
  clientId: 'svc',
  clientSecret: 'svc-secret',
  username: OAUTH2_USER.username,
  password: OAUTH2_USER.password,
});
tm.on('token', (e) => console.log(`token: ${e.how} (${e.grant})`));

try {
  for (let i = 0; i < 3; i++) {
    const res = await tm.fetch('/api/me');
    console.log(`GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  }
  const first = await tm.getToken();
  const second = await tm.getToken({ forceRefresh: true });
  console.log(`refreshed: old refresh token retired by the server: ${!oauth.refreshTokens.has(first.refreshToken!)}`);

  oauth.accessTokens.delete(second.accessToken); // the server forgets the token (restart, another login)
  const res = await tm.fetch('/api/me');
  console.log(`GET /api/me after the server forgot the token → ${res.status} (refreshed and replayed once)`);

  await tm.logoff();
  console.log(`logged off (locally): token held ${tm.peekToken() === undefined ? 'none' : 'still'}`);
} finally {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
