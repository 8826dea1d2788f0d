/**
 * Wires the secret sweep (test/helpers/secret-sweep.ts) into every test file (vitest `setupFiles`).
 *
 * Secrets are learned from what tokenward is given and hands out, without test-only code in src/:
 * - every token handed out by `getToken()` / `peekToken()` (of the manager, its views and its per-parameter
 *   slots, which `tm.fetch` and the interceptor use) and every token the stores see;
 * - what the token endpoint client scrubs (`TokenEndpoint#secrets`: client secret, password, Basic pair);
 * - what goes over the wire through undici or Node's fetch (`undici:request:*` diagnostics channels):
 *   `Authorization` credentials and secret body fields (`client_secret`, `password`, `refresh_token`...).
 * What tokenward says is collected from: every event it emits and every `tokenward:*` diagnostics channel
 * message, every rejection of `getToken()` and `logoff()`, errors from the stores, and at the end of the
 * file `util.inspect` / `JSON.stringify` of every manager and store still alive.
 *
 * After the file's tests, any secret found in anything collected fails the file, naming where it was
 * found (the secret itself masked). Out of reach: errors the `TokenManager` constructor throws and errors
 * `tm.fetch` throws before asking for a token (both carry no token; the options tests check them).
 */
import diagnostics from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { formatFindings, installSweep, SecretSweep, secretsOnTheWire } from '../helpers/secret-sweep.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

/** The library's own source: words in it ("password", "Bearer") are never treated as secrets. */
function vocabulary(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? vocabulary(join(dir, e.name)) : e.name.endsWith('.ts') ? readFileSync(join(dir, e.name), 'utf8') : ''))
    .join('\n');
}

const sweep = new SecretSweep(vocabulary(srcDir));
installSweep(sweep);

type TokenLike = { accessToken?: unknown; refreshToken?: unknown; tokenType?: unknown; scope?: unknown };
const seenTokens = new WeakSet<object>();
function registerToken(token: unknown): void {
  if (typeof token !== 'object' || token === null || seenTokens.has(token)) return;
  seenTokens.add(token);
  sweep.register((token as TokenLike).accessToken, 'access token');
  sweep.register((token as TokenLike).refreshToken, 'refresh token');
  // Shown in every `token` event by design.
  sweep.allow((token as TokenLike).tokenType);
  sweep.allow((token as TokenLike).scope);
}

// undici (the npm package and Node's bundled copy alike) publishes every request it sends.
const onRequest = (message: unknown) => {
  const headers = (message as { request?: { headers?: unknown } }).request?.headers;
  if (Array.isArray(headers)) for (const [value, label] of secretsOnTheWire(headers)) sweep.register(value, label);
};
const onBodyChunk = (message: unknown) => {
  const chunk = (message as { chunk?: unknown }).chunk;
  const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
  if (text !== undefined) for (const [value, label] of secretsOnTheWire([], text)) sweep.register(value, label);
};
diagnostics.subscribe('undici:request:create', onRequest);
diagnostics.subscribe('undici:request:bodyChunkSent', onBodyChunk);
// Node 20's built-in fetch, which sends a process's first requests through tokenward's default transport
// (src/default-fetch.ts), publishes no body chunks: the bodies it is handed are read here instead. Installed
// before the test file imports tokenward, which takes Node's fetch when it loads.
const nodeFetch = globalThis.fetch;
globalThis.fetch = function fetch(input: string | URL | Request, init?: RequestInit) {
  if (typeof init?.body === 'string') onBodyChunk({ chunk: init.body });
  return nodeFetch(input, init);
};
const unsubscribers: Array<() => void> = [
  () => diagnostics.unsubscribe('undici:request:create', onRequest),
  () => diagnostics.unsubscribe('undici:request:bodyChunkSent', onBodyChunk),
  () => {
    globalThis.fetch = nodeFetch;
  },
];

const PATCHED = Symbol.for('tokenward.test.secretSweep.patched');
const managers: Array<WeakRef<object>> = [];
const storeInstances: Array<WeakRef<object>> = [];
const known = new WeakSet<object>();
function remember(list: Array<WeakRef<object>>, instance: object): void {
  if (known.has(instance)) return;
  known.add(instance);
  list.push(new WeakRef(instance));
}

/** Replaces `proto[name]` with `wrap(original)`, once per prototype even when modules are shared. */
function patch<T extends object>(
  proto: T | undefined,
  name: string,
  wrap: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown,
): void {
  const target = proto as Record<string | symbol, unknown> | undefined;
  const original = target?.[name];
  if (typeof original !== 'function' || (original as { [PATCHED]?: boolean })[PATCHED]) return;
  const wrapped = wrap(original as (...args: unknown[]) => unknown);
  Object.defineProperty(wrapped, PATCHED, { value: true });
  target![name] = wrapped;
}

/** Registers what `result` resolves to (via `onValue`) and collects what it rejects with. */
function observe(result: unknown, onValue: (value: unknown) => void, where: string): void {
  if (result instanceof Promise) result.then(onValue, (err: unknown) => sweep.collect(err, where));
  else onValue(result);
}

/** Where tokens are handed out: the manager and, since tokens live per parameter set, its slots. */
const TOKEN_HOLDERS: Array<{ load: () => Promise<Record<string, unknown>>; name: string }> = [
  { load: () => import('../../src/manager.js'), name: 'TokenManager' },
  { load: () => import('../../src/manager.js'), name: 'TokenView' },
  { load: () => import('../../src/token-slot.js'), name: 'TokenSlot' },
];

/** Loads `name` from a module, or `undefined` when a refactoring moved it (the sweep then sees less, never breaks). */
async function classFrom(load: () => Promise<Record<string, unknown>>, name: string): Promise<{ prototype: object; name: string } | undefined> {
  try {
    const value = (await load())[name];
    return typeof value === 'function' ? (value as { prototype: object; name: string }) : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  // Imported here, after the test file's own imports (and its vi.mock()s), so these are the very modules
  // the test uses.
  const events = await import('../../src/events.js');
  const handed = new WeakSet<object>();
  for (const { load, name } of TOKEN_HOLDERS) {
    const holder = await classFrom(load, name);
    patch(
      holder?.prototype,
      'getToken',
      (original) =>
        function (this: object, ...args: unknown[]) {
          if (name === 'TokenManager') remember(managers, this);
          const result = original.apply(this, args);
          // A cache hit returns the same settled promise every time: look at each promise once.
          if (result instanceof Promise && !handed.has(result)) {
            handed.add(result);
            observe(result, registerToken, 'a getToken() rejection');
          }
          return result;
        },
    );
    for (const method of ['peekToken', 'peek', 'peekForRequest']) {
      patch(
        holder?.prototype,
        method,
        (original) =>
          function (this: object, ...args: unknown[]) {
            const token = original.apply(this, args);
            registerToken(token);
            return token;
          },
      );
    }
    patch(
      holder?.prototype,
      'logoff',
      (original) =>
        function (this: object, ...args: unknown[]) {
          if (name === 'TokenManager') remember(managers, this);
          const result = original.apply(this, args);
          observe(result, () => {}, 'a logoff() rejection');
          return result;
        },
    );
  }
  patch(
    events.Emitter.prototype,
    'emit',
    (original) =>
      function (this: object, ...args: unknown[]) {
        sweep.collect(args[1], `the '${String(args[0])}' event payload`);
        return original.apply(this, args);
      },
  );
  for (const [name, channel] of Object.entries(events.channels)) {
    const onMessage = (message: unknown) => sweep.collect(message, `diagnostics_channel tokenward:${name}`);
    channel.subscribe(onMessage);
    unsubscribers.push(() => channel.unsubscribe(onMessage));
  }
  // The tracing channels too (src/tracing.ts): every test then runs traced, and no context may hold a secret.
  const tracing = await import('../../src/tracing.js').catch(() => undefined);
  for (const [name, traced] of Object.entries(tracing?.tracingChannels ?? {})) {
    for (const phase of ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const) {
      const onMessage = (message: unknown) => sweep.collect(message, `diagnostics_channel tracing:tokenward:${name}:${phase}`);
      traced[phase].subscribe(onMessage);
      unsubscribers.push(() => traced[phase].unsubscribe(onMessage));
    }
  }
  // The secrets the token endpoint client scrubs from answers: client secret, password, the Basic pair, tokens.
  const endpoint = await classFrom(() => import('../../src/sources.js'), 'TokenEndpoint');
  patch(
    endpoint?.prototype,
    'secrets',
    (original) =>
      function (this: object, ...args: unknown[]) {
        const secrets = original.apply(this, args);
        if (Array.isArray(secrets)) for (const s of secrets) sweep.register(s, 'a credential the token endpoint client holds');
        return secrets;
      },
  );
  const stores = [
    await classFrom(() => import('../../src/store.js'), 'MemoryTokenStore'),
    await classFrom(() => import('../../src/redis.js'), 'RedisTokenStore'),
  ];
  for (const Store of stores) {
    for (const method of ['get', 'set', 'delete', 'deleteIf', 'lock']) {
      patch(
        Store?.prototype,
        method,
        (original) =>
          function (this: object, ...args: unknown[]) {
            remember(storeInstances, this);
            if (method === 'set') registerToken(args[1]);
            const result = original.apply(this, args);
            observe(result, method === 'get' ? registerToken : () => {}, `an error from ${Store!.name}.${method}()`);
            return result;
          },
      );
    }
  }
});

afterAll(() => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  for (const ref of managers) sweep.collect(ref.deref(), 'util.inspect / JSON.stringify of a TokenManager');
  for (const ref of storeInstances) sweep.collect(ref.deref(), 'util.inspect / JSON.stringify of a token store');
  const findings = sweep.check();
  // SECRET_SWEEP_VERBOSE=1 shows how much each file's sweep saw (a sweep that sees nothing proves nothing).
  if (process.env.SECRET_SWEEP_VERBOSE) console.info(`secret sweep: ${sweep.size.secrets} secrets, ${sweep.size.texts} texts, ${findings.length} findings`);
  sweep.reset();
  if (findings.length > 0) throw new Error(formatFindings(findings));
});
