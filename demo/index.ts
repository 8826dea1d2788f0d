/**
 * `npm run demo [-- --system <name>]`: tokenward against an embedded token server and API, in one
 * process, no network. The story: acquire → 20 cached calls → a token expires and is refreshed → a 401
 * recovered → logoff releasing the session. Every step prints what went over the wire (redacted) and
 * the counts; a wrong count exits 1.
 *
 * Systems: default, jim2, veeam, infolink, bright-pattern, aspnet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from '../src/index.js';
import { EMULATIONS, EmulatedServer, type Emulation, hidden } from './emulations.js';

const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = paint('2');
const bold = paint('1');
const green = paint('32');
const red = paint('31');

class CountMismatch extends Error {}

function parseSystem(argv: readonly string[]): Emulation {
  const i = argv.findIndex((a) => a === '--system' || a.startsWith('--system='));
  if (i === -1) return EMULATIONS.default!;
  const name = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const system = name === undefined ? undefined : EMULATIONS[name];
  if (system === undefined) {
    console.error(red(`unknown --system ${JSON.stringify(name ?? '')}; choose one of: ${Object.keys(EMULATIONS).join(', ')}`));
    process.exit(2);
  }
  return system;
}

const system = parseSystem(process.argv.slice(2));
const log = (line: string) => console.log(dim(`    wire ${line}`));
const emulated = new EmulatedServer(system, log);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const answer = emulated.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Checks a count; a mismatch ends the demo with exit code 1. */
function expectCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new CountMismatch(`${what}: expected ${expected}, got ${actual}`);
  console.log(`   ${green('✓')} ${what}: ${actual}`);
}

const call = () => tm.fetch(system.call.path, system.call.init);
const tm = new TokenManager(system.options(origin));

try {
  console.log(bold(`\ntokenward demo: ${system.title}`));
  for (const quirk of system.quirks) console.log(dim(`  · ${quirk}`));
  console.log(dim(`  profile: ${system.profileCall}`));

  console.log(bold('\n1. Acquire'));
  const first = await tm.getToken();
  console.log(
    `   got a ${first.tokenType} token ${hidden(first.accessToken)}, expires in ${Math.round((first.expiresAt - Date.now()) / 1000)} s, refresh token: ${first.refreshToken ? hidden(first.refreshToken) : 'none'}`,
  );
  expectCount('token requests', emulated.counts.token, 1);

  console.log(bold('\n2. Twenty API calls'));
  for (let i = 0; i < 20; i++) {
    const res = await call();
    if (res.status !== 200) throw new CountMismatch(`API call ${i + 1} answered ${res.status}`);
    await res.arrayBuffer();
  }
  console.log(dim(`    wire → 20 × ${system.call.init?.method ?? 'GET'} ${emulated.lastApiPath}  authorization: Bearer ${hidden(first.accessToken)}  ← 200`));
  expectCount('API calls', emulated.counts.api, 20);
  expectCount('token requests (the cached token was reused)', emulated.counts.token, 1);

  console.log(bold(`\n3. Forced expiry: the token's time is up at the server and in the SDK; the next call renews it (${system.renewal})`));
  // Rather than wait out a real lifetime: the server expires the token, and tm.invalidate() marks it
  // expired locally, as the clock passing expires_in would (test/scenarios/ does that with fake timers).
  emulated.forgetAccessTokens();
  tm.invalidate();
  const renewed = await call();
  await renewed.arrayBuffer();
  expectCount('API status', renewed.status, 200);
  expectCount('token requests', emulated.counts.token, 2);

  console.log(bold(`\n4. The server drops the token (another login, an admin, a restart); it answers ${system.rejectedLooksLike}`));
  emulated.forgetAccessTokens();
  const before = emulated.counts.api;
  const recovered = await call();
  await recovered.arrayBuffer();
  expectCount('API status after one renewal and one replay', recovered.status, 200);
  expectCount('API requests for that call (rejected + replayed)', emulated.counts.api - before, 2);
  expectCount('token requests', emulated.counts.token, 3);

  console.log(bold('\n5. Log off on shutdown'));
  await tm.logoff();
  expectCount('logoff requests', emulated.counts.logoff, system.logoffRequest ? 1 : 0);
  if (system.logoffRequest) expectCount('live sessions at the server', emulated.sessions.size, 0);
  else console.log(`   no logoff endpoint on this system: nothing sent, the tokens are forgotten locally and expire at the server`);
  expectCount('tokens held by the SDK', tm.peekToken() === undefined ? 0 : 1, 0);

  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  console.log(
    bold(`\nDone: ${n(emulated.counts.api, 'API call')}, ${n(emulated.counts.token, 'token request')}, ${n(emulated.counts.logoff, 'logoff request')}.`),
  );
  server.close();
} catch (err) {
  console.error(red(`\n✗ demo failed (${system.name}): ${err instanceof CountMismatch ? err.message : ((err as Error)?.message ?? String(err))}`));
  server.close();
  process.exit(1);
}
