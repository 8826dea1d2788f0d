/**
 * Cold start (issue 12 §5), without timing anything: the built main entry loads no package at import
 * (its dependencies are bundled or loaded when first needed), and a fresh process that imports it, gets
 * a token and makes one authenticated call loads none either: no undici, no zod, no p-retry. The time
 * this saves is measured by bench/coldstart.bench.ts. `npm test` builds dist first.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(`${root}dist/index.js`) && existsSync(`${root}dist/index.cjs`);
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The packages a built file loads as it is evaluated: static imports (ESM), top-level requires (CommonJS). */
function loadedAtImport(file: string): string[] {
  const code = readFileSync(`${root}dist/${file}`, 'utf8');
  const pattern = file.endsWith('.cjs') ? /^var \w+ = require\(['"]([^'"]+)['"]\)/gm : /^import\b[^'"]*?['"]([^'"]+)['"];?$/gm;
  return [...code.matchAll(pattern)].map((m) => m[1]!);
}

describe.skipIf(!built)('the built main entry', () => {
  it.each(['index.js', 'index.cjs'])('%s imports Node built-ins only', (file) => {
    const loaded = loadedAtImport(file);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((name) => !builtins.has(name))).toEqual([]);
  });

  describe('a process that gets a token and makes one call', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({
        'POST /token': () => ({ body: tokenBody('coldstart-token') }),
        'GET /api': (req) => ({ status: req.headers.authorization === 'Bearer coldstart-token' ? 200 : 401, body: 'ok' }),
      });
    });
    afterAll(() => server.close());

    it.each(['esm', 'cjs'] as const)('%s: loads no package from node_modules', async (kind) => {
      const load = kind === 'esm' ? "const { TokenManager } = await import('tokenward');" : "const { TokenManager } = require('tokenward');";
      const body = `
        const tm = new TokenManager({ tokenUrl: ${JSON.stringify(`${server.url}/token`)}, clientId: 'svc', clientSecret: 's3cret', baseUrl: ${JSON.stringify(server.url)} });
        const res = await tm.fetch('/api');
        const text = await res.text();
        const packages = Object.keys(require.cache).filter((path) => path.includes('/node_modules/')).map((path) => path.split('/node_modules/').pop());
        process.stdout.write(JSON.stringify({ status: res.status, text, packages }));`;
      const program =
        kind === 'esm'
          ? `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${load} ${body}`
          : `(async () => { ${load} ${body} })().catch((e) => { console.error(e); process.exit(1); });`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [`--input-type=${kind === 'esm' ? 'module' : 'commonjs'}`, '-e', program],
          { cwd: root, timeout: 20_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${kind} child failed: ${err.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
      expect(JSON.parse(out)).toEqual({ status: 200, text: 'ok', packages: [] });
    });

    it('once one copy of tokenward (ESM) has loaded undici, another (CJS) in the process uses it too', async () => {
      // Node's fetch is taken when tokenward loads: a counting one shows which requests went through it.
      const program = `
        import { createRequire } from 'node:module';
        const require = createRequire(import.meta.url);
        let nodeFetchCalls = 0;
        const nodeFetch = globalThis.fetch;
        globalThis.fetch = (...args) => { nodeFetchCalls++; return nodeFetch(...args); };
        const esm = await import('tokenward');
        const cjs = require('tokenward');
        const options = { tokenUrl: ${JSON.stringify(`${server.url}/token`)}, clientSecret: 's3cret' };
        // A dispatcher makes the ESM copy load undici.
        await new esm.TokenManager({ ...options, clientId: 'esm', dispatcher: new (require('undici').Agent)() }).getToken();
        const before = nodeFetchCalls;
        await new cjs.TokenManager({ ...options, clientId: 'cjs' }).getToken();
        process.stdout.write(JSON.stringify({ before, after: nodeFetchCalls }));
        process.exit(0);`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', program], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`child failed: ${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      expect(JSON.parse(out)).toEqual({ before: 0, after: 0 });
    });
  });
});

describe.skipIf(!built)('the built CLI', () => {
  /** The names a built CLI file takes from the main entry (`(await import('./index.js')).jim2`, `{ TokenManager } = await import(...)`). */
  function fromMain(file: string): string[] {
    const code = readFileSync(`${root}dist/${file}`, 'utf8');
    const main = file.endsWith('.cjs') ? 'index\\.cjs' : 'index\\.js';
    const names = [...code.matchAll(new RegExp(`\\(await import\\(['"]\\./${main}['"]\\)\\)\\.(\\w+)`, 'g'))].map((m) => m[1]!);
    for (const m of code.matchAll(new RegExp(`\\{([\\w\\s,:]+)\\} = await import\\(['"]\\./${main}['"]\\)`, 'g')))
      names.push(...m[1]!.split(',').map((n) => n.split(':')[0]!.trim()));
    return names;
  }

  it.each(['cli.js', 'cli.cjs'])(
    '%s carries no copy of the library: TokenManager and the profiles come from the main entry, which exports each',
    async (file) => {
      const code = readFileSync(`${root}dist/${file}`, 'utf8');
      expect(code).not.toMatch(/class TokenManager\b/);
      const names = fromMain(file);
      expect(names).toEqual(expect.arrayContaining(['TokenManager', 'jim2', 'veeamRecoveryOrchestrator']));
      const main = (await import(`${root}dist/${file.endsWith('.cjs') ? 'index.cjs' : 'index.js'}`)) as Record<string, unknown>;
      expect(names.filter((name) => typeof main[name] !== 'function')).toEqual([]);
    },
  );
});
