import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

const src = resolve(dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * The subpath entries share the main entry's module instances (one TokenManager class, one registry of
 * access points, the same error classes), so they import them from the built main entry instead of
 * bundling copies: `tokenward/undici` and `tokenward/profiles` are re-exports of it, and
 * `tokenward/redis` and `tokenward/otel` take their error classes from it. Every other module is
 * bundled where it is used, so `import 'tokenward'` reads one file rather than a dozen shared chunks
 * (issue 12 §5: each chunk cost the import about a millisecond).
 */
const SHARED_FROM_MAIN = new Set([resolve(src, 'index.ts'), resolve(src, 'errors.ts')]);
const IMPORTERS_OF_MAIN = new Set([resolve(src, 'entries/undici.ts'), resolve(src, 'entries/profiles.ts'), resolve(src, 'redis.ts'), resolve(src, 'redis-client.ts'), resolve(src, 'otel.ts'), resolve(src, 'otel-telemetry.ts')]);

const fromMainEntry: Plugin = {
  name: 'tokenward-from-main-entry',
  setup(build) {
    // tsup builds both formats as ESM and converts one to CommonJS afterwards (treeshake): the extension tells them apart.
    const main = `./index${build.initialOptions.outExtension?.['.js'] ?? '.js'}`;
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!IMPORTERS_OF_MAIN.has(args.importer)) return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return SHARED_FROM_MAIN.has(target) ? { path: main, external: true } : undefined;
    });
  },
};

export default defineConfig({
  entry: { index: 'src/index.ts', undici: 'src/entries/undici.ts', profiles: 'src/entries/profiles.ts', redis: 'src/redis.ts', otel: 'src/otel.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  // Declarations from the modules themselves, split into shared chunks as before: one declaration of
  // each class, whichever entry a user imports it from.
  dts: { entry: { index: 'src/index.ts', undici: 'src/undici.ts', profiles: 'src/profiles/index.ts', redis: 'src/redis.ts', otel: 'src/otel.ts', cli: 'src/cli/main.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to load fast-xml-parser and undici lazily) needs a shim in the CommonJS build.
  shims: true,
  // One file per entry (see fromMainEntry); the CLI is a program of its own and carries its own copy.
  splitting: false,
  treeshake: true,
  esbuildPlugins: [fromMainEntry],
  // Bundled rather than loaded from node_modules at every import (issue 12 §5): zod, tree-shaken to the
  // validators options-schema.ts uses (all of zod took ~90 ms), and p-retry with its one dependency
  // (two more ES modules to resolve and link; ESM-only, so `require('tokenward')` on a Node without
  // require(esm) could not load it). All three are devDependencies for that reason.
  noExternal: ['zod', 'p-retry', 'is-network-error'],
});
