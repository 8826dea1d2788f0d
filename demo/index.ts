/**
 * `npm run demo`: tokenward against an embedded token server and API, in one process, no network.
 * The story: acquire → cached calls → forced expiry and refresh → a 401 recovered → logoff.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from '../src/index.js';

const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const redact = (s: string | undefined) => (s === undefined ? '' : s.length > 10 ? `${s.slice(0, 6)}…[${s.length} chars]` : '[redacted]');

let tokenRequests = 0;
let apiCalls = 0;
let sessions = 0;
let serial = 0;
const live = new Set<string>();
const refreshTokens = new Map<string, string>();

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const auth = req.headers.authorization;
    if (req.method === 'POST' && req.url === '/oauth/token') {
      tokenRequests++;
      const form = new URLSearchParams(body);
      const grant = form.get('grant_type');
      console.log(dim(`    wire → POST /oauth/token  grant_type=${grant}  authorization: ${auth?.startsWith('Basic') ? 'Basic [redacted]' : 'none'}`));
      if (grant === 'refresh_token' && !refreshTokens.has(form.get('refresh_token') ?? '')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      if (grant === 'refresh_token') refreshTokens.delete(form.get('refresh_token')!);
      else sessions++;
      const access = `at-${++serial}-${Math.random().toString(36).slice(2)}`;
      const refresh = `rt+${serial}/${Math.random().toString(36).slice(2)}=`;
      live.add(access);
      refreshTokens.set(refresh, access);
      res.writeHead(200, { 'content-type': 'application/json' });
      // A quirky but real shape: string expires_in, lower-case token_type, a trailing comma.
      res.end(`{"access_token":"${access}","token_type":"bearer","expires_in":"2","refresh_token":"${refresh}",}`);
      console.log(dim(`    wire ← 200 {"access_token":"${redact(access)}","token_type":"bearer","expires_in":"2",…}`));
      return;
    }
    if (req.method === 'DELETE' && req.url === '/oauth/token') {
      const token = auth?.replace(/^Bearer /, '') ?? '';
      console.log(dim(`    wire → DELETE /oauth/token  authorization: Bearer ${redact(token)}`));
      if (live.delete(token)) sessions--;
      res.writeHead(204).end();
      return;
    }
    apiCalls++;
    const token = auth?.replace(/^Bearer /, '') ?? '';
    if (!live.has(token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, ok: true }));
  });
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const tm = new TokenManager({
  tokenUrl: `${base}/oauth/token`,
  clientId: 'demo-client',
  clientSecret: 'demo secret: with + and %',
  baseUrl: base,
  logoff: { style: 'bearer', url: '/oauth/token', method: 'DELETE' },
});

console.log(bold('\n1. Acquire'));
const first = await tm.getToken();
console.log(`   got a ${first.tokenType} token, expires in ${Math.round((first.expiresAt - Date.now()) / 1000)} s, refresh token: ${first.refreshToken ? 'yes' : 'no'}`);

console.log(bold('\n2. Twenty API calls'));
for (let i = 0; i < 20; i++) await (await tm.fetch(`/api/items/${i}`)).json();
console.log(`   20 calls, ${tokenRequests} token request(s) so far`);

console.log(bold('\n3. The token expires; the next call refreshes it with the refresh_token grant'));
await new Promise((r) => setTimeout(r, 2100));
await (await tm.fetch('/api/items/after-expiry')).json();
console.log(`   token requests so far: ${tokenRequests}`);

console.log(bold('\n4. The server forgets the token (another login, a restart): a 401 is recovered once'));
live.clear();
const res = await tm.fetch('/api/items/after-401');
console.log(`   status ${res.status}; token requests so far: ${tokenRequests}`);

console.log(bold('\n5. Log off on shutdown'));
await tm.logoff();
console.log(`   live sessions at the server: ${live.size}`);

console.log(bold(`\nDone: ${apiCalls} API calls, ${tokenRequests} token requests.`));
server.close();
