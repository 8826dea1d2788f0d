/**
 * The tarball a user installs: what `npm pack` puts in it, and that every entry in `exports` loads with
 * both `require` and `import` from a fresh project where only the tarball (and its dependencies, not the
 * optional Redis peers) is installed.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_GUARD_MS } from './helpers/child-node.js';
import { built, ci, entries, type Installed, installPeers, OPTIONAL_PEERS, packAndInstall, root } from './helpers/packed.js';

const run = promisify(execFile);

/** One named export per entry that a user reaches for first. */
const NAMED: Record<string, string> = {
  tokenward: 'TokenManager',
  'tokenward/undici': 'authInterceptor',
  'tokenward/profiles': 'jim2',
  'tokenward/redis': 'RedisTokenStore',
  'tokenward/otel': 'instrument',
};

/** What may be in the tarball: the build, the docs, the README, the manifest, the licences. */
const ALLOWED = /^(package\.json|README\.md|LICENSE|THIRD_PARTY_NOTICES\.md|dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts|js\.map|cjs\.map)|docs\/[\w/-]+\.md)$/;

/** Runs `code` with node in the consumer project, as ESM or CommonJS; returns what it printed as JSON. */
async function inApp(app: string, kind: 'esm' | 'cjs', code: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [`--input-type=${kind === 'esm' ? 'module' : 'commonjs'}`, '-e', code], { cwd: app, timeout: CHILD_GUARD_MS });
  return JSON.parse(stdout);
}

if (!built && !ci) console.warn('package-install.test.ts: dist/ is missing, skipping. Run `npm run build` first.');

// A child may take up to its hang guard on a busy machine; the tests wait that long.
describe.skipIf(!built && !ci)('the packed tarball', { timeout: CHILD_GUARD_MS + 10_000 }, () => {
  let installed: Installed;
  /** Each entry loaded before any optional peer was installed: `'function'`, or the missing module it named. */
  let withoutPeers: unknown;
  beforeAll(async () => {
    installed = await packAndInstall({ type: 'commonjs' });
    withoutPeers = await inApp(
      installed.app,
      'cjs',
      `const out = {};
      for (const [entry, name] of ${JSON.stringify(Object.entries(NAMED))}) {
        try { out[entry] = typeof require(entry)[name]; } catch (e) { out[entry] = e.code + ' ' + (String(e.message).match(/'([^']+)'/) || [])[1]; }
      }
      console.log(JSON.stringify(out));`,
    );
    await installPeers(installed);
  }, 300_000);
  afterAll(() => installed?.remove());

  it('every entry in `exports` has a named export to check', () => {
    expect(entries.filter((e) => NAMED[e] === undefined)).toEqual([]);
  });

  it('without the optional peers, every entry but theirs loads; theirs names the missing peer', () => {
    const expected = Object.fromEntries(entries.map((e) => [e, OPTIONAL_PEERS[e] === undefined ? 'function' : `MODULE_NOT_FOUND ${OPTIONAL_PEERS[e]}`]));
    expect(withoutPeers).toEqual(expected);
  });

  it('holds the build, the README and every doc, and nothing else (no tests, fixtures, reports or sources)', () => {
    const files = [...installed.files].sort();
    expect(files.filter((f) => !ALLOWED.test(f))).toEqual([]);
    const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'THIRD_PARTY_NOTICES.md', ...docs]));
    // Each source map belongs to a built file that ships with it.
    for (const map of files.filter((f) => f.endsWith('.map'))) expect(files, map).toContain(map.slice(0, -'.map'.length));
  });

  it.each(['esm', 'cjs'] as const)('%s: every entry loads by name and has its named export', async (kind) => {
    const load = (entry: string) => (kind === 'esm' ? `await import(${JSON.stringify(entry)})` : `require(${JSON.stringify(entry)})`);
    const code = `${kind === 'esm' ? '' : '(async () => {'}
      const out = {};
      ${entries.map((e) => `out[${JSON.stringify(e)}] = typeof (${load(e)})[${JSON.stringify(NAMED[e])}];`).join('\n')}
      console.log(JSON.stringify(out));
    ${kind === 'esm' ? '' : '})();'}`;
    expect(await inApp(installed.app, kind, code)).toEqual(Object.fromEntries(entries.map((e) => [e, 'function'])));
  });

  it.each(['esm', 'cjs'] as const)('%s: resolves to the build for its module system', async (kind) => {
    const resolve =
      kind === 'esm' ? (e: string) => `import.meta.resolve(${JSON.stringify(e)})` : (e: string) => `'file://' + require.resolve(${JSON.stringify(e)})`;
    const out = (await inApp(installed.app, kind, `console.log(JSON.stringify([${entries.map(resolve).join(', ')}]))`)) as string[];
    for (const url of out)
      expect(url).toMatch(kind === 'esm' ? /\/node_modules\/tokenward\/dist\/[\w-]+\.js$/ : /\/node_modules\/tokenward\/dist\/[\w-]+\.cjs$/);
  });

  it('every command in `bin` is installed and runs (`--help` exits 0)', async () => {
    const bins = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin ?? {});
    for (const bin of bins) {
      const { stdout } = await run(join(installed.app, 'node_modules/.bin', bin), ['--help'], { cwd: installed.app, timeout: CHILD_GUARD_MS });
      expect(stdout, bin).toMatch(new RegExp(`\\b${bin}\\b`));
    }
  });

  it('an app that loads both the ESM and the CommonJS copy recognises errors from either', async () => {
    const code = `
      import { createRequire } from 'node:module';
      const esm = await import('tokenward');
      const cjs = createRequire(import.meta.url)('tokenward');
      const configErrorOf = (copy) => { try { new copy.TokenManager({ tokenUrl: 'not a url' }); } catch (e) { return e; } };
      const out = {};
      for (const [name, mine, theirs] of [['esm sees cjs', esm, cjs], ['cjs sees esm', cjs, esm]]) {
        const config = configErrorOf(theirs);
        const oauth = new theirs.OAuthError(theirs.ErrorCode.OAUTH, 'refused', { status: 401, error: 'invalid_client' });
        out[name] = [
          mine.TokenwardError !== theirs.TokenwardError,
          mine.isTokenwardError(config, mine.ErrorCode.CONFIG),
          config instanceof mine.ConfigError,
          config instanceof mine.TokenwardError,
          oauth instanceof mine.OAuthError,
          !(oauth instanceof mine.NetworkError),
          mine.isTokenwardError(oauth, mine.ErrorCode.OAUTH),
          !mine.isTokenwardError(new Error('plain')),
        ];
      }
      console.log(JSON.stringify(out));`;
    const all = [true, true, true, true, true, true, true, true];
    expect(await inApp(installed.app, 'esm', code)).toEqual({ 'esm sees cjs': all, 'cjs sees esm': all });
  });
});
