/**
 * Every ```ts block in README.md and docs/ type-checks under strict TypeScript with
 * `exactOptionalPropertyTypes` (the strictest settings a reader may have) against src/, so a sample a
 * reader copies compiles (`clientSecret: process.env.CLIENT_SECRET` does not: it may be undefined).
 * Blocks are fragments of a program: the names they take for granted (`tm`, `log`, `options`, ...) are
 * declared once in the prelude below, each typed as a reader would have it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { typeCheckSamples } from '../helpers/type-check-samples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PRELUDE = `
import type { TokenManager as TM, TokenManagerOptions } from 'tokenward';
declare global {
  const tm: TM;
  const TokenManager: typeof import('tokenward').TokenManager;
  const RedisTokenStore: typeof import('tokenward/redis').RedisTokenStore;
  const isTokenwardError: typeof import('tokenward').isTokenwardError;
  const readFileSync: typeof import('node:fs').readFileSync;
  type Token = import('tokenward').Token;
  const redis: import('tokenward/redis').NodeRedisLike;
  const tokenUrl: string; const clientId: string; const clientSecret: string; const password: string; const url: string;
  const log: { warn(...a: unknown[]): void }; const logger: { warn(...a: unknown[]): void };
  const server: import('node:http').Server;
  const opts: TokenManagerOptions; const options: TokenManagerOptions; const jim2Options: TokenManagerOptions; const sameOptions: TokenManagerOptions;
  const order: unknown; const card: unknown; const err: Error;
  class SomeGeneratedClient { constructor(o: { fetch: typeof fetch }) }
  class SomeApiClient { constructor(o: { fetch: typeof fetch }) }
}
export {};
`;

/** `{ file: 'docs/x.md', line, code }` for each ```ts block. */
function blocks(): Array<{ file: string; line: number; code: string }> {
  // Every page under docs/, at any depth (docs/systems/, docs/migration/, ...).
  const pages = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));
  const files = ['README.md', ...pages.map((f) => `docs/${f.split(sep).join('/')}`).sort()];
  const out: Array<{ file: string; line: number; code: string }> = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) out.push({ file, line: text.slice(0, m.index).split('\n').length + 1, code: m[1]! });
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tokenward-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('code samples in README.md and docs/', () => {
  const found = blocks();

  it('there are samples to check', () => {
    expect(found.length).toBeGreaterThan(15);
  });

  it('all type-check under strict TypeScript with exactOptionalPropertyTypes', () => {
    // The block's first line is `b.line`; the migration guides' "before" code imports simple-oauth2, which ships no types.
    const problems = typeCheckSamples(
      dir,
      PRELUDE,
      found.map((b) => ({ code: b.code, where: (line: number) => `${b.file}:${b.line + line - 1}` })),
      { extraFiles: [join(root, 'test/types/simple-oauth2.d.ts')] },
    );
    expect(problems).toEqual([]);
    // Type-checking every sample with src/ behind it took 70 s on two busy cores: a hang guard, not a speed check.
  }, 300_000);
});
