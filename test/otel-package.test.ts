/**
 * The built `tokenward/otel` entry: it loads by name from ESM and CommonJS, and the main entry never
 * reaches `@opentelemetry/api` (an optional peer: a user without it must not pay for it, nor fail).
 * `npm test` builds dist first; without dist/ these tests are skipped, as test/package.test.ts does.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const built = existsSync(join(dist, 'otel.js')) && existsSync(join(dist, 'otel.cjs'));

/** Every file of dist/ that `entry` loads at import time, following relative static imports and requires. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports and requires only: a lazy `import('./x.js')` is not paid at import time.
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]|require\(['"](\.[^'"]+)['"]\)/g,
    )) {
      visit(join(dirname(file), (m[1] ?? m[2] ?? m[3])!));
    }
  };
  visit(entry);
  return seen;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe.skipIf(!built)('the built tokenward/otel', { timeout: 70_000 }, () => {
  it.each(['index.js', 'index.cjs', 'undici.js', 'redis.js', 'profiles.js'])('dist/%s never loads @opentelemetry/api', (entry) => {
    const files = [...staticGraph(join(dist, entry))];
    // Each entry is one file; the others import the main entry (tsup.config.ts), which the walk must reach.
    if (!entry.startsWith('index.')) expect(files).toContain(join(dist, 'index.js'));
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('@opentelemetry/'))).toEqual([]);
  });

  it('loads by name from ESM and from CommonJS, sharing the channels with the main entry', async () => {
    const esm = await run([
      '--input-type=module',
      '-e',
      "const o = await import('tokenward/otel'); const t = await import('tokenward'); console.log(typeof o.instrument, typeof o.enableOpenTelemetry, o.SPAN_NAMES.acquire, typeof t.tracingChannels.acquire.tracePromise)",
    ]);
    const cjs = await run([
      '--input-type=commonjs',
      '-e',
      "const o = require('tokenward/otel'); const t = require('tokenward'); console.log(typeof o.instrument, typeof o.enableOpenTelemetry, o.SPAN_NAMES.acquire, typeof t.tracingChannels.acquire.tracePromise)",
    ]);
    expect(esm.trim()).toBe('function function tokenward.acquire function');
    expect(cjs.trim()).toBe('function function tokenward.acquire function');
  });
});
