/**
 * Enterprise features, as ratios against a baseline measured in the same run:
 *
 * 1. A token request authenticated by `private_key_jwt` (a fresh ES256 or RS256 assertion, signed with
 *    jose) against one with `client_secret_basic`, over a real loopback socket through the default
 *    undici transport: what signing adds to a request.
 * 2. A cache-hit `getToken()` on a manager configured with `issuer` (discovery) against one with
 *    `tokenUrl`: discovery must stay off the hot path. Goal: ratio ~1.0.
 *
 * Interleaved rounds, rotating order, median of rounds. Run: `npm run bench -- enterprise`.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager, type TokenManagerOptions } from '../src/index.js';

const tokenBody = JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 });

async function main(): Promise<void> {
  await tokenRequests();
  await cacheHits();
}

async function tokenRequests(): Promise<void> {
  const REQUESTS = 300;
  const ROUNDS = 11;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(tokenBody));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const base: TokenManagerOptions = { tokenUrl, clientId: 'bench', retry: false };
  const managers = {
    client_secret_basic: new TokenManager({ ...base, clientSecret: 'bench-secret', clientAuth: 'basic' }),
    'private_key_jwt ES256': new TokenManager({ ...base, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
    'private_key_jwt RS256': new TokenManager({ ...base, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
  };
  const samples = await interleave(
    managers,
    ROUNDS,
    async (tm) => {
      for (let i = 0; i < REQUESTS; i++) await tm.getToken({ forceRefresh: true });
    },
    REQUESTS,
  );
  console.log(`token requests over loopback, median of ${ROUNDS} interleaved rounds of ${REQUESTS} (node ${process.version})`);
  report(samples, 'client_secret_basic', 'µs/request', 1000);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function cacheHits(): Promise<void> {
  const ITERATIONS = 200_000;
  const ROUNDS = 21;
  let metadataRequests = 0;
  const fetch = async (input: string | URL | Request) => {
    if (String(input).includes('/.well-known/')) {
      metadataRequests++;
      return new Response(JSON.stringify({ issuer: 'https://idp.example.com', token_endpoint: 'https://idp.example.com/token' }), {
        headers: { 'content-type': 'application/json' },
      });
    }
    return new Response(tokenBody, { headers: { 'content-type': 'application/json' } });
  };
  const common = { clientId: 'bench', clientSecret: 'bench-secret', fetch };
  const managers = {
    tokenUrl: new TokenManager({ ...common, tokenUrl: 'https://idp.example.com/token' }),
    issuer: new TokenManager({ ...common, issuer: 'https://idp.example.com' }),
    // A second, identical tokenUrl manager: its ratio is the noise floor of this measurement.
    'tokenUrl (control)': new TokenManager({ ...common, tokenUrl: 'https://idp.example.com/token', scope: 'control' }),
  };
  for (const tm of Object.values(managers)) await tm.getToken();
  let sink = 0;
  const samples = await interleave(
    managers,
    ROUNDS,
    async (tm) => {
      for (let i = 0; i < ITERATIONS; i++) sink += (await tm.getToken()).expiresAt & 1;
    },
    ITERATIONS,
  );
  console.log(`cache-hit getToken(), median of ${ROUNDS} interleaved rounds of ${ITERATIONS.toLocaleString('en')} calls`);
  report(samples, 'tokenUrl', 'ns/op', 1);
  console.log(`  metadata requests during the run: ${metadataRequests} (expected 1)`);
  if (sink === -1) console.log(sink);
}

/** Runs `loop` for each manager, alternating them round by round; returns ns per operation per round. */
async function interleave<K extends string>(
  managers: Record<K, TokenManager>,
  rounds: number,
  loop: (tm: TokenManager) => Promise<void>,
  ops: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(managers) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (const name of names) await loop(managers[name]);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(round + j) % names.length]!;
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.hrtime.bigint();
      await loop(managers[name]);
      samples[name].push(Number(process.hrtime.bigint() - start) / ops);
    }
  }
  return samples;
}

function report<K extends string>(samples: Record<K, number[]>, baseline: K, unit: string, divisor: number): void {
  const base = median(samples[baseline]);
  for (const name of Object.keys(samples) as K[]) {
    const m = median(samples[name]);
    console.log(`  ${name.padEnd(24)} ${(m / divisor).toFixed(1).padStart(8)} ${unit}   ratio to ${baseline}: ${(m / base).toFixed(2)}x`);
  }
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

await main();
