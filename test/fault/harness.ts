/**
 * Runs one row of the fault table: a real `TokenManager` on its default undici transport against a
 * {@link FaultServer} (and a second one for cross-origin redirects), with the fault switched on, then off.
 *
 * For every row it asserts what a demanding user expects:
 * (a) the caller gets the expected typed `TokenwardError` (by `code`), token or API answer;
 * (b) once the manager is done, no socket is left open on either server and no timer is left behind;
 * (c) a large answer is refused, not buffered (rows check the server's {@link LargeWrite});
 * (d) the next call works once the server recovers;
 * (e) the exact number of token requests, with the fault and after recovery.
 * Settling is bounded (a hung call fails the row), but no row asserts how long anything took.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { type ErrorCode, type Token, TokenManager, type TokenManagerOptions, TokenwardError } from '../../src/index.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { trackTimers } from '../helpers/timer-tracker.js';

/** What one row's test sees. */
export interface Ctx {
  /** The token endpoint and the API. */
  readonly server: FaultServer;
  /** Another origin, for redirects away from the API. */
  readonly other: FaultServer;
  readonly tm: TokenManager;
  /** Registers a cleanup run after the row (close an Agent, ...). */
  defer(cleanup: () => unknown): void;
}

/** An API answer, read to the end (so the socket is released) and summarised. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
  readonly wwwAuthenticate: string | null;
}

/** What the caller must get while the fault is on. */
export type Outcome =
  | { readonly error: ErrorCode; readonly status?: number }
  | { readonly token: true }
  | { readonly answers: readonly number[] }
  | { readonly rejects: (err: unknown) => void }
  | { readonly resolves: true };

/** One row of the fault table. */
export interface FaultCase {
  /** Also the row's name in docs/reliability.md. */
  readonly name: string;
  /** The issue 9 defect this row reproduces (its number, or `'also'` for the "Also" paragraph), when it fails before that fix. */
  readonly defect?: number | 'also';
  /** Options on top of {@link baseOptions}. */
  readonly options?: (ctx: Omit<Ctx, 'tm'>) => Partial<TokenManagerOptions>;
  /** Switches the fault on (and may warm the cache first). */
  readonly setup?: (ctx: Ctx) => void | Promise<void>;
  /** What the caller does while the fault is on. @default `tm.getToken()` */
  readonly act?: (ctx: Ctx) => Promise<unknown>;
  readonly expect: Outcome & { readonly tokenRequests: number };
  /** More assertions on the outcome (the error, the server's records). */
  readonly check?: (ctx: Ctx, outcome: unknown) => void | Promise<void>;
  /** After `recover()`: what the caller does next and the token requests counted by then. */
  readonly recovery?: { readonly before?: (ctx: Ctx) => void | Promise<void>; readonly act?: (ctx: Ctx) => Promise<unknown>; readonly tokenRequests: number };
}

/** The client secret of every fault-table manager: random, so the secret sweep can look for it. */
export const CLIENT_SECRET = `fault-secret-${randomBytes(6).toString('hex')}`;

/**
 * Small budgets so the table runs fast: each try is bounded by 1 s (a healthy loopback answer takes a few
 * ms, even on a busy CI machine) and one retry follows a transient failure after 5–10 ms. The time budget
 * is large so that a busy machine never changes the retry count.
 */
export function baseOptions(server: FaultServer): TokenManagerOptions {
  return {
    tokenUrl: server.tokenUrl,
    baseUrl: server.origin,
    clientId: 'fault-client',
    clientSecret: CLIENT_SECRET,
    clientAuth: 'basic',
    timeout: 1000,
    retry: { retries: 1, minTimeout: 5, maxTimeout: 10, maxRetryTime: 60_000 },
  };
}

/** Longest a call may take to settle before the row fails as "hung" (far above any budget here). */
const SETTLE_LIMIT_MS = 15_000;

/** `tm.fetch(path)`, read to the end. */
export async function callApi(ctx: Ctx, path = '/api/resource', init?: RequestInit): Promise<ApiAnswer> {
  const res = await ctx.tm.fetch(path, init);
  return { status: res.status, body: await res.text(), wwwAuthenticate: res.headers.get('www-authenticate') };
}

/** `count` calls of `act`, one after another; the statuses of their answers. */
export async function calls(ctx: Ctx, count: number, act: (ctx: Ctx) => Promise<ApiAnswer> = (c) => callApi(c)): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await act(ctx)).status);
  return statuses;
}

/** `count` getToken() calls one after another (the cache must serve all but the first). */
export async function tokens(ctx: Ctx, count: number): Promise<Token[]> {
  const out: Token[] = [];
  for (let i = 0; i < count; i++) out.push(await ctx.tm.getToken());
  return out;
}

/** `count` forced renewals one after another. */
export async function forced(ctx: Ctx, count: number): Promise<Token[]> {
  const out: Token[] = [];
  for (let i = 0; i < count; i++) out.push(await ctx.tm.getToken({ forceRefresh: true }));
  return out;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

async function settle(promise: Promise<unknown>, what: string): Promise<Settled> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`${what} did not settle within ${SETTLE_LIMIT_MS} ms: a hung call`)), SETTLE_LIMIT_MS);
  });
  try {
    return { ok: true, value: await Promise.race([promise, hung]) };
  } catch (error) {
    if (error instanceof Error && error.message.includes('a hung call')) throw error;
    return { ok: false, error };
  } finally {
    clearTimeout(guard);
  }
}

function expectOutcome(row: FaultCase, ctx: Ctx, settled: Settled): void {
  const want = row.expect;
  if ('error' in want) {
    expect(settled.ok, `expected ${want.error}, got ${settled.ok ? 'a result' : ''}`).toBe(false);
    const error = (settled as { error: unknown }).error;
    expect(error).toBeInstanceOf(TokenwardError);
    expect((error as TokenwardError).code, (error as Error).message).toBe(want.error);
    if (want.status !== undefined) expect((error as TokenwardError).status).toBe(want.status);
  } else if ('rejects' in want) {
    expect(settled.ok).toBe(false);
    want.rejects((settled as { error: unknown }).error);
  } else {
    if (!settled.ok) throw settled.error;
    if ('token' in want) expectToken(ctx, settled.value);
    if ('answers' in want) expect(settled.value).toEqual(want.answers);
  }
}

/** A token this row's server issued. */
export function expectToken(ctx: Ctx, value: unknown): asserts value is Token {
  expect(value).toMatchObject({ accessToken: expect.any(String), tokenType: 'Bearer' });
  expect(ctx.server.issued, 'a token this server never issued').toContain((value as Token).accessToken);
  expect(Number.isFinite((value as Token).expiresAt)).toBe(true);
}

/**
 * Token requests counted once the next call after recovery succeeded: as the row says, else one more
 * than during the fault when the fault ended in an error (nothing cached), else the same (cache hit).
 */
export function requestsAfterRecovery(row: FaultCase): number {
  return row.recovery?.tokenRequests ?? row.expect.tokenRequests + ('error' in row.expect ? 1 : 0);
}

/** Runs one row; see the module comment for what it asserts. `socketWaitMs` bounds the wait for sockets to close. */
export async function runCase(row: FaultCase, { socketWaitMs = 3000 } = {}): Promise<void> {
  const timers = trackTimers();
  const cleanups: Array<() => unknown> = [];
  const server = await startFaultServer();
  const other = await startFaultServer();
  let tm: TokenManager | undefined;
  try {
    const partial = { server, other, defer: (fn: () => unknown) => void cleanups.push(fn) };
    tm = new TokenManager({ ...baseOptions(server), ...row.options?.(partial) });
    const ctx: Ctx = { ...partial, tm };
    await row.setup?.(ctx);

    // (a) outcome and (e) token requests while the fault is on.
    const settled = await settle((row.act ?? ((c) => c.tm.getToken()))(ctx), row.name);
    expectOutcome(row, ctx, settled);
    expect(server.tokenRequests(), 'token requests while the fault was on').toBe(row.expect.tokenRequests);
    await row.check?.(ctx, settled.ok ? settled.value : settled.error);

    // (d) the server recovers: the next call works, and (e) costs exactly what the row says.
    server.recover();
    other.recover();
    await row.recovery?.before?.(ctx);
    const next = await settle((row.recovery?.act ?? ((c) => c.tm.getToken()))(ctx), `${row.name}, after recovery`);
    if (!next.ok) throw next.error;
    if (row.recovery?.act === undefined) expectToken(ctx, next.value);
    expect(server.tokenRequests(), 'token requests after the server recovered').toBe(requestsAfterRecovery(row));

    // (b) done with the manager: no socket left open on either server, no timer left behind.
    await tm.logoff();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    expect(await server.waitForNoOpenSockets(socketWaitMs), 'sockets still open on the server').toBe(0);
    expect(await other.waitForNoOpenSockets(socketWaitMs), 'sockets still open on the other origin').toBe(0);
    expect(timers.stop(), 'timers left behind').toEqual([]);
  } finally {
    timers.stop();
    for (const cleanup of cleanups) await cleanup();
    await server.close();
    await other.close();
  }
}
