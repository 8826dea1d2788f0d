import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every file runs under the secret sweep: no secret may appear in anything tokenward says (issue 9 §2.5).
    setupFiles: ['test/setup/secret-sweep.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers (redis, oidc-provider) start per file; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
