/**
 * One msw server per test file: `const msw = useMsw()` registers the vitest hooks, so a request no
 * handler answers fails the test instead of reaching the network.
 */
import { type SetupServer, setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import type { TokenManagerOptions } from '../../src/index.js';

/**
 * Starts an msw server for the calling test file, resets its handlers and real timers after each
 * test (scenario tests fake `Date`), and closes it after the file.
 */
export function useMsw(): SetupServer {
  const msw = setupServer();
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    msw.resetHandlers();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());
  return msw;
}

/**
 * Options that route a `TokenManager` through msw. msw patches `globalThis.fetch`, and undici's own
 * `fetch` (the default transport) bypasses it, so the global one is injected; retries are off so a
 * test sees each request once.
 */
export const viaMsw: Partial<TokenManagerOptions> = { fetch: (input, init) => globalThis.fetch(input, init), retry: false };
