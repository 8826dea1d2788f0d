import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const src = resolve(dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * The other entries share the main entry's module instances (one TokenManager class, one registry of
 * access points, the same error classes), so they import them from the built main entry instead of
 * bundling copies: `tokenward/undici` and `tokenward/profiles` are re-exports of it, `tokenward/redis`
 * and `tokenward/otel` take their error classes from it, and the CLI its TokenManager and profiles (so
 * the package carries the library once per format). Every other module is bundled where it is used,
 * so `import 'tokenward'` reads one file rather than a dozen shared chunks (issue 12 §5: each chunk
 * cost the import about a millisecond). Each module named here is imported only for names the main
 * entry exports under the same names.
 */
const SHARED_FROM_MAIN = [/^index\.ts$/, /^errors\.ts$/, /^manager\.ts$/, /^profiles\/[\w-]+\.ts$/];
const IMPORTERS_OF_MAIN = [/^entries\//, /^redis(-client)?\.ts$/, /^otel(-telemetry)?\.ts$/, /^cli\//];
const under = (path: string, patterns: RegExp[]) => path.startsWith(`${src}/`) && patterns.some((p) => p.test(path.slice(src.length + 1)));

const fromMainEntry: Plugin = {
  name: 'tokenward-from-main-entry',
  setup(build) {
    // tsup builds both formats as ESM and converts one to CommonJS afterwards (treeshake): the extension tells them apart.
    const main = `./index${build.initialOptions.outExtension?.['.js'] ?? '.js'}`;
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!under(args.importer, IMPORTERS_OF_MAIN)) return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return under(target, SHARED_FROM_MAIN) ? { path: main, external: true } : undefined;
    });
  },
};

/**
 * The source maps keep tokenward's own sources and drop the text of the bundled packages' (zod alone
 * was ~260 KB in each of the four maps that carry it); their positions stay mapped to their paths, and
 * their sources are in their packages. Keeps the tarball near its size before bundling.
 */
async function dropBundledSources(): Promise<void> {
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), 'dist');
  for (const file of (await readdir(dist)).filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(await readFile(join(dist, file), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
    if (!map.sourcesContent?.some((_, i) => map.sources[i]!.includes('node_modules/'))) continue;
    map.sourcesContent = map.sourcesContent.map((text, i) => (map.sources[i]!.includes('node_modules/') ? null : text));
    await writeFile(join(dist, file), JSON.stringify(map));
  }
}

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    undici: 'src/entries/undici.ts',
    profiles: 'src/entries/profiles.ts',
    redis: 'src/redis.ts',
    otel: 'src/otel.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  // Declarations from the modules themselves, split into shared chunks as before: one declaration of
  // each class, whichever entry a user imports it from.
  dts: {
    entry: {
      index: 'src/index.ts',
      undici: 'src/undici.ts',
      profiles: 'src/profiles/index.ts',
      redis: 'src/redis.ts',
      otel: 'src/otel.ts',
      cli: 'src/cli/main.ts',
    },
  },
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to load fast-xml-parser and undici lazily) needs a shim in the CommonJS build.
  shims: true,
  // One file per entry (see fromMainEntry).
  splitting: false,
  treeshake: true,
  esbuildPlugins: [fromMainEntry],
  // Bundled rather than loaded from node_modules at every import (issue 12 §5): zod, tree-shaken to the
  // validators options-schema.ts uses (all of zod took ~90 ms), and p-retry with its one dependency
  // (two more ES modules to resolve and link; ESM-only, so `require('tokenward')` on a Node without
  // require(esm) could not load it). All three are devDependencies for that reason.
  noExternal: ['zod', 'p-retry', 'is-network-error'],
  onSuccess: dropBundledSources,
});
