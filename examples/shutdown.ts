/**
 * Releasing the session on shutdown: `npx tsx examples/shutdown.ts` (add `--wait` to stop it yourself
 * with Ctrl-C instead of the simulated SIGTERM after a second).
 *
 * Runs offline against an embedded server shaped like Jim2Server: each token with scope `all` holds a
 * licence until it is logged off. The example shows the licence count going back to zero, first with
 * `await using`, then from a SIGTERM handler. In your code, import from 'tokenward'.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager, type TokenManagerOptions } from 'tokenward';

// --- An embedded Jim2-like server: POST /Jim_Test/token, GET /Jim_Test/api/v1/ping, POST /Jim_Test/api/v1/logoff.
const live = new Set<string>();
let issued = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const json = (status: number, body?: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    if (req.method === 'POST' && req.url === '/Jim_Test/token') {
      const token = `jim-${++issued}`;
      live.add(token);
      return json(200, { access_token: token, token_type: 'bearer', expires_in: 1200, refresh_token: `r-${issued}` });
    }
    if (req.method === 'GET' && req.url === '/Jim_Test/api/v1/ping') return live.has(bearer) ? json(200, { pong: true }) : json(401);
    if (req.method === 'POST' && req.url === '/Jim_Test/api/v1/logoff') return json(live.delete(bearer) ? 200 : 401);
    json(404);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/Jim_Test/`;
console.log(`embedded Jim2-like server at ${base}`);

const options: TokenManagerOptions = {
  tokenUrl: `${base}token`,
  baseUrl: base,
  clientId: 'TestClientId',
  clientSecret: 'password',
  scope: 'all', // takes a licence ('view' would not)
  logoff: { style: 'bearer', url: 'api/v1/logoff', method: 'POST' },
};

// --- 1. A scope that owns a session: `await using` logs off when the block ends, even on a throw.
{
  await using scoped = new TokenManager(options);
  await (await scoped.fetch('api/v1/ping')).json();
  console.log(`await using: licences in use inside the block: ${live.size}`);
}
console.log(`await using: licences in use after the block: ${live.size}`);

// --- 2. A long-running service: log off from the SIGTERM handler.
const tm = new TokenManager(options);
const work = setInterval(() => {
  tm.fetch('/api/v1/ping')
    .then((res) => res.json())
    .catch((err: unknown) => console.error('call failed:', (err as Error).message));
}, 100);
await (await tm.fetch('/api/v1/ping')).json();
console.log(`service: running, licences in use: ${live.size}`);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`service: ${signal} received, stopping`);
  clearInterval(work); // stop taking new work first
  try {
    // Bounded: a dead server must not hold up the shutdown. Failures are reported, not thrown.
    await Promise.race([tm.logoff(), new Promise((_, reject) => setTimeout(() => reject(new Error('logoff timed out')), 5_000).unref())]);
    console.log(`service: logged off, licences in use: ${live.size}`);
  } catch (err) {
    console.error(`service: logoff failed (${(err as Error).message}); the session will expire on its own`);
  }
  server.close();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

if (process.argv.includes('--wait')) console.log('service: press Ctrl-C to stop');
else setTimeout(() => process.kill(process.pid, 'SIGTERM'), 1_000);
