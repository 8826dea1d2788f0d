/**
 * The built package, imported by its name from ESM and from CommonJS in a child process, acquires a
 * token from a real loopback server through its default undici transport. `npm test` builds dist first.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_GUARD_MS } from './helpers/child-node.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(`${root}dist/index.js`) && existsSync(`${root}dist/index.cjs`);
/** CI runs `npm test`, which builds before vitest: there a missing dist/ is a broken build, not a reason to skip. */
const ci = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);
if (!built && !ci) console.warn('package.test.ts: dist/ is missing, skipping. Run `npx tsup` (npm test does) to build it.');

it.runIf(ci)('dist/ is built (CI must not skip the package tests)', () => {
  expect(built, 'dist/index.js or dist/index.cjs is missing: `npm test` runs tsup before vitest').toBe(true);
});

/** Starts a token server, then runs `body` with `TokenManager` and `url` in scope; prints a JSON result. */
function program(kind: 'esm' | 'cjs'): string {
  const load =
    kind === 'esm'
      ? "const { TokenManager, ErrorCode, normalizeTokenResponse } = await import('tokenward');"
      : "const { TokenManager, ErrorCode, normalizeTokenResponse } = require('tokenward');";
  const main = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"access_token":"pkg-' + ${JSON.stringify(kind)} + '","token_type":"bearer","expires_in":"60",}');
        seen.push({ auth: req.headers.authorization, body });
      });
    });
    const seen = [];
    server.listen(0, '127.0.0.1', async () => {
      try {
        ${load}
        const tm = new TokenManager({ tokenUrl: 'http://127.0.0.1:' + server.address().port + '/Jim_Test/token', clientId: 'id', clientSecret: 'se cret', clientAuth: 'basic' });
        const token = await tm.getToken();
        let config;
        try { new TokenManager({ tokenUrl: 'x' }); } catch (e) { config = e.code; }
        process.stdout.write(JSON.stringify({ token: token.accessToken, type: token.tokenType, life: token.expiresAt - token.receivedAt, seen, config, codes: ErrorCode.CONFIG, fn: typeof normalizeTokenResponse }));
      } catch (e) {
        process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }));
      } finally {
        server.close();
      }
    });`;
  // ESM: `require` for node:http via createRequire so both programs share one body.
  return kind === 'esm' ? `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${main}` : main;
}

function run(kind: 'esm' | 'cjs'): Promise<Record<string, unknown>> {
  const args = kind === 'esm' ? ['--input-type=module', '-e', program(kind)] : ['--input-type=commonjs', '-e', program(kind)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, timeout: CHILD_GUARD_MS }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${kind} child failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        reject(new Error(`${kind} child printed: ${stdout}\n${stderr}`));
      }
    });
  });
}

// A child may take up to its hang guard on a busy machine (15 s was too little there); the tests wait that long.
describe.skipIf(!built)('the built package', { timeout: CHILD_GUARD_MS + 10_000 }, () => {
  it.each(['esm', 'cjs'] as const)('%s: import by name, acquire a token over a real socket', async (kind) => {
    const out = await run(kind);
    expect(out.error).toBeUndefined();
    expect(out).toEqual({
      token: `pkg-${kind}`,
      type: 'Bearer',
      life: 60_000,
      seen: [{ auth: `Basic ${Buffer.from('id:se+cret').toString('base64')}`, body: 'grant_type=client_credentials' }],
      config: 'ERR_TOKENWARD_CONFIG',
      codes: 'ERR_TOKENWARD_CONFIG',
      fn: 'function',
    });
  });
});
