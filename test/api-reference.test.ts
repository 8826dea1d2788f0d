/**
 * The API reference (`npm run docs`, configured by typedoc.json) is complete: typedoc reports no
 * warning, every top-level export of every entry point has a summary and an `@example`, and every
 * example type-checks as a reader would paste it, importing from `tokenward` (an example that does not
 * compile is a defect). typedoc runs once for the whole file (about 30 s on two cores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, type Comment, type DeclarationReflection, Logger, LogLevel, ReferenceReflection, TSConfigReader, TypeDocReader } from 'typedoc';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeCheckSamples } from './helpers/type-check-samples.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// typedoc reads its config as tsconfig-style JSON (comments allowed), and so does this.
const config = ts.readConfigFile(join(root, 'typedoc.json'), ts.sys.readFile).config as { entryPoints: string[] };
/** The entry points typedoc.json documents, each with the specifier a user imports it by. */
const entries = config.entryPoints.map((file) => {
  // typedoc names a module after its file, or its folder for an index.ts below src/.
  const parts = file.replace(/\.ts$/, '').split('/');
  const name = parts.at(-1) === 'index' && parts.length > 2 ? parts.at(-2)! : parts.at(-1)!;
  return { file, name, specifier: name === 'index' ? 'tokenward' : `tokenward/${name}` };
});

class CollectingLogger extends Logger {
  readonly messages: string[] = [];
  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.messages.push(message);
  }
}

interface Export {
  /** `<module>.<name>`, as typedoc names it in warnings. */
  readonly id: string;
  readonly comment: Comment | undefined;
}

let warnings: string[] = [];
let exported: Export[] = [];

beforeAll(async () => {
  const app = await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json') }, [new TypeDocReader(), new TSConfigReader()]);
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  if (project === undefined) throw new Error(`typedoc could not convert the project:\n${logger.messages.join('\n')}`);
  app.validate(project);
  warnings = logger.messages;
  exported = (project.children ?? []).flatMap((module) =>
    (module.children ?? [])
      // A re-export of what another entry declares (`export *` from profiles) is checked where it is declared.
      .filter((child): child is DeclarationReflection => !(child instanceof ReferenceReflection))
      .map((child) => ({ id: `${module.name}.${child.name}`, comment: child.comment ?? child.signatures?.[0]?.comment })),
  );
}, 180_000);

const dir = mkdtempSync(join(tmpdir(), 'tokenward-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ```ts blocks of an export's `@example` tags. */
function examples(comment: Comment | undefined): string[] {
  const tags = comment?.blockTags.filter((tag) => tag.tag === '@example') ?? [];
  const text = tags.map((tag) => tag.content.map((part) => part.text).join('')).join('\n');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Examples are fragments of a program: the names they take for granted are declared here once, typed as
 * a reader would have them. Everything else they use they import from `tokenward`.
 */
const PRELUDE = `
declare global {
  const tm: import('tokenward').TokenManager;
  const tokenUrl: string; const clientId: string; const clientSecret: string; const username: string; const password: string;
  const log: { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
  const redis: import('tokenward/redis').NodeRedisLike;
  const exportedSpans: ReadonlyArray<import('@opentelemetry/sdk-trace-base').ReadableSpan>;
  const resourceMetrics: import('@opentelemetry/sdk-metrics').ResourceMetrics;
}
export {};
`;

describe('the API reference', () => {
  it('typedoc reports no warning (an undocumented member, a referenced type that is not exported, a broken link)', () => {
    expect(warnings).toEqual([]);
  });

  it('every export of every entry point has a summary', () => {
    expect(exported.length).toBeGreaterThan(80);
    const missing = exported.filter((e) => !e.comment || e.comment.summary.every((part) => part.text.trim() === '')).map((e) => e.id);
    expect(missing).toEqual([]);
  });

  it('every export of every entry point has an @example with a ```ts block', () => {
    const missing = exported.filter((e) => examples(e.comment).length === 0).map((e) => e.id);
    expect(missing).toEqual([]);
  });
});

describe('the API reference examples', () => {
  it('type-check under strict TypeScript with exactOptionalPropertyTypes, importing from tokenward', () => {
    const samples = exported.flatMap((e) => examples(e.comment).map((code) => ({ code, where: (line: number) => `${e.id} @example line ${line}` })));
    expect(samples.length).toBeGreaterThan(60);
    const problems = typeCheckSamples(dir, PRELUDE, samples, { entries: Object.fromEntries(entries.map((e) => [e.specifier, e.file])) });
    expect(problems).toEqual([]);
  }, 120_000);
});
