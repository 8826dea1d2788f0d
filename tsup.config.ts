import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to load fast-xml-parser lazily) needs a shim in the CommonJS build.
  shims: true,
  splitting: false,
  treeshake: true,
});
