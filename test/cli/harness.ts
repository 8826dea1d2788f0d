/**
 * Runs the built CLI (`node dist/cli.js …`) as a user would: a child process with its own environment
 * (nothing inherited but PATH), its own cache directory, and stdin, stdout and stderr captured. Also
 * starts the demo's system emulations on real loopback sockets, since a child process cannot be reached
 * by msw, and sweeps every output for secrets and tokens.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { EMULATIONS, EmulatedServer } from '../../demo/emulations.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(root, 'dist/cli.js');

/** `npm test` builds first; a local run without dist/ skips (with a note) rather than failing. */
export const built = existsSync(CLI);
const ci = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);
if (!built && !ci) console.warn('test/cli: dist/cli.js is missing, skipping. Run `npx tsup` (npm test does) to build it.');
/** Whether the CLI tests run: dist/ is built, or this is CI (where a missing build must fail). */
export const runCliTests = built || ci;

/**
 * Per-test time limit for files that spawn the CLI: each run is a fresh Node process, and on the
 * 2-core CI machine beside other suites one can take seconds. A generous limit, not a timed assertion.
 */
export const CLI_TEST_TIMEOUT = 120_000;

/** What a run of the CLI produced. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Extra environment (PATH, HOME and the cache directory are set already). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. Without it stdin is closed at once. */
  input?: string;
  /** Called with the child once it is spawned (to signal it). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
}

/** A scratch directory removed by {@link cleanupDirs}. */
const dirs: string[] = [];
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-cli-'));
  dirs.push(dir);
  return dir;
}
export function cleanupDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `tokenward ...args`; resolves when it exits. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const home = scratchDir();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, TOKENWARD_CACHE_DIR: join(home, 'cache'), TZ: 'UTC' };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(c.toString(), child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

/** Asserts that none of `secrets` appears in stdout or stderr (stdout is skipped for `token`, whose job is to print one). */
export function expectNoSecrets(result: CliResult, secrets: ReadonlyArray<string | undefined>, { stdout = true } = {}): void {
  for (const secret of secrets) {
    if (secret === undefined) continue;
    expect(result.stderr, 'a secret or token on stderr').not.toContain(secret);
    if (stdout) expect(result.stdout, 'a secret or token on stdout').not.toContain(secret);
  }
}

/** A demo emulation on a real socket, with what it issued. */
export interface Emulated {
  readonly origin: string;
  readonly server: EmulatedServer;
  /** Every access and refresh token it handed out (read from its answers). */
  readonly issued: string[];
  close(): Promise<void>;
}

/** Starts the demo's emulation of `name` (`jim2`, `veeam`, ..., `default`) on 127.0.0.1. */
export async function startEmulation(name: string): Promise<Emulated> {
  const server = new EmulatedServer(EMULATIONS[name]!, () => {});
  const issued: string[] = [];
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = server.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const m of (answer.body ?? '').matchAll(/"(?:access_token|refresh_token)"\s*:\s*"([^"]+)"/g)) issued.push(m[1]!);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  httpServer.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return {
    origin,
    server,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

/** A JWT-shaped token with these claims (unsigned: the CLI decodes, it never verifies). */
export function fakeJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'k1' }): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc(header)}.${enc(claims)}.${Buffer.from('signature-bytes-that-must-never-be-printed').toString('base64url')}`;
}

/** A loopback port nothing listens on (a server's, just closed): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
