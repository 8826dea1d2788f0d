/**
 * Fleet-wide token sharing on Redis, runnable: `npx tsx examples/fleet.ts`.
 *
 * Uses REDIS_URL when set, else starts a throwaway local `redis-server` (from PATH). Uses TOKEN_URL,
 * CLIENT_ID and CLIENT_SECRET when set, else a tiny demo token endpoint in this process. Three
 * "instances" (three managers, three Redis connections; in production, three processes) share one token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { TokenManager } from 'tokenward';
import { RedisTokenStore } from 'tokenward/redis';

let redisProc: ChildProcess | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  const port = 6300 + Math.floor(Math.random() * 600);
  redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const started = await new Promise<boolean>((resolve) => {
    redisProc!.once('error', () => resolve(false));
    redisProc!.stdout!.on('data', (d: Buffer) => d.toString().includes('Ready to accept connections') && resolve(true));
  });
  if (!started) {
    console.log(
      'No REDIS_URL and no redis-server on PATH.\nInstall it (Debian/Ubuntu: `apt-get install -y redis-server`) or run with REDIS_URL=redis://user:pass@host:6379.',
    );
    process.exit(1);
  }
  redisUrl = `redis://127.0.0.1:${port}`;
}

// A demo token endpoint that counts requests, unless a real one is configured.
let requests = 0;
let demo: http.Server | undefined;
let tokenUrl = process.env.TOKEN_URL;
if (!tokenUrl) {
  demo = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'DELETE') return void res.writeHead(204).end(); // the logoff
      requests++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: `demo-token-${requests}`, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((r) => demo!.listen(0, '127.0.0.1', r));
  tokenUrl = `http://127.0.0.1:${(demo.address() as AddressInfo).port}/token`;
}

async function instance(name: string) {
  const redis = createClient({ url: redisUrl });
  redis.on('error', () => {}); // outages surface as the manager's `store-error` event
  await redis.connect();
  const tm = new TokenManager({
    tokenUrl: tokenUrl!,
    clientId: process.env.CLIENT_ID ?? 'demo-client',
    clientSecret: process.env.CLIENT_SECRET ?? 'demo-secret',
    ...(demo ? { logoff: { style: 'bearer' as const } } : {}),
    store: new RedisTokenStore(redis, { revalidateMs: 200 }),
  });
  tm.on('token', (e) => console.log(`${name}: token via ${e.how}`));
  tm.on('store-error', (e) => console.log(`${name}: store error, carrying on locally: ${e.message}`));
  return { name, tm, redis };
}

const fleet = await Promise.all(['a', 'b', 'c'].map(instance));
const tokens = await Promise.all(fleet.map((i) => i.tm.getToken()));
console.log(`3 instances, ${new Set(tokens.map((t) => t.accessToken)).size} distinct token(s)${demo ? `, ${requests} token request(s)` : ''}`);

// Fleet shutdown: one instance (here "a") releases the shared session; the others just stop.
await fleet[0]!.tm.logoff();
console.log('a logged off');
// b and c still serve their copy from memory (the hot path never touches Redis). Once revalidateMs has
// passed, their next call re-reads Redis in the background, finds the entry gone, and the call after
// that acquires afresh, one request for both thanks to the lock. (tm.fetch would also replay on a 401.)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(250);
await Promise.all(fleet.slice(1).map((i) => i.tm.getToken()));
await sleep(50);
const after = await Promise.all(fleet.slice(1).map((i) => i.tm.getToken()));
console.log(`b and c now share ${new Set(after.map((t) => t.accessToken)).size} new token(s)${demo ? `; ${requests} token request(s) in all` : ''}`);

for (const i of fleet) await i.redis.quit();
demo?.close();
redisProc?.kill();
