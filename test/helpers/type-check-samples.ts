/**
 * Type-checks code samples as a user's own files: strict, `exactOptionalPropertyTypes`, `tokenward`
 * and its subpaths resolved to src/. Shared by the docs test (README and docs/ code blocks) and the
 * API reference test (TSDoc `@example` blocks).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The package's entries by the specifier a user imports: `tokenward`, `tokenward/undici`, ... */
export const ENTRY_SOURCES: Readonly<Record<string, string>> = {
  tokenward: 'src/index.ts',
  'tokenward/profiles': 'src/profiles/index.ts',
  'tokenward/undici': 'src/undici.ts',
  'tokenward/redis': 'src/redis.ts',
  'tokenward/otel': 'src/otel.ts',
};

/** One sample: its code, and how to name a line of it in a failure (`docs/fetch.md:42`). */
export interface Sample {
  code: string;
  where: (line: number) => string;
}

/**
 * Writes each sample to `dir` behind `prelude` (declarations of the names samples use without
 * defining, such as `tm`) and returns every diagnostic as "<where>: <message>", empty when all compile.
 * Only the samples' own diagnostics are asked for, so the checker reads no more of src/ than they use.
 */
export function typeCheckSamples(
  dir: string,
  prelude: string,
  samples: readonly Sample[],
  options: { entries?: Readonly<Record<string, string>>; extraFiles?: readonly string[] } = {},
): string[] {
  writeFileSync(join(dir, 'prelude.d.ts'), prelude);
  const byFile = new Map<string, Sample>();
  samples.forEach((sample, i) => {
    const name = join(dir, `sample${i}.ts`);
    byFile.set(name, sample);
    writeFileSync(name, `/// <reference path="./prelude.d.ts" />\n${sample.code}\nexport {};\n`);
  });
  const entries = options.entries ?? ENTRY_SOURCES;
  const program = ts.createProgram([...byFile.keys(), ...(options.extraFiles ?? [])], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    baseUrl: dir,
    paths: {
      ...Object.fromEntries(Object.entries(entries).map(([specifier, file]) => [specifier, [join(root, file)]])),
      '*': [join(root, 'node_modules/*'), join(root, 'node_modules/@types/*')],
    },
  });
  return program
    .getSourceFiles()
    .filter((file) => byFile.has(file.fileName))
    .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])
    .map((d) => {
      // Line 0 of the written file is the reference comment: line N of it is the sample's line N.
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${byFile.get(d.file!.fileName)!.where(line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
