import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', undici: 'src/undici.ts', profiles: 'src/profiles/index.ts', redis: 'src/redis.ts', otel: 'src/otel.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to load fast-xml-parser lazily) needs a shim in the CommonJS build.
  shims: true,
  // Shared code goes to one chunk, so the subpath entries and the main entry share one TokenManager class.
  splitting: true,
  treeshake: true,
});
