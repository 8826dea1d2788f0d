/**
 * The installed package's types, as a consumer's compiler sees them: a project importing every entry
 * (types and values) type-checks under each `module`/`moduleResolution` pair users have, with and
 * without `esModuleInterop`, and with `skipLibCheck` off so a broken declaration file is an error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { built, ci, entries, type Installed, installPeers, packAndInstall, root } from './helpers/packed.js';

/** What a consumer writes against each entry: an import of a type and a value, and a use of both. */
const SAMPLES: Record<string, { imports: string; use: string }> = {
  tokenward: {
    imports: "import { TokenManager, ConfigError, ErrorCode, isTokenwardError, type Token, type TokenManagerOptions } from 'tokenward';",
    use: `
const options: TokenManagerOptions = { tokenUrl: 'https://auth.example.com/token', clientId: 'svc', clientSecret: 's3cret' };
const tm = new TokenManager(options);
export async function bearer(): Promise<string> {
  const token: Token = await tm.getToken();
  return \`\${token.tokenType} \${token.accessToken}\`;
}
export function isConfig(err: unknown): boolean {
  return err instanceof ConfigError || isTokenwardError(err, ErrorCode.CONFIG);
}`,
  },
  'tokenward/undici': {
    imports: "import { authInterceptor, defaultIsAuthFailureStatus, type AuthInterceptorOptions } from 'tokenward/undici';",
    use: `
const interceptorOptions: AuthInterceptorOptions = { otherOrigins: 'refuse', isAuthFailure: defaultIsAuthFailureStatus };
export const interceptor = authInterceptor(tm, interceptorOptions);`,
  },
  'tokenward/profiles': {
    imports: "import { jim2, type Jim2Input } from 'tokenward/profiles';",
    use: `
const jim2Input: Jim2Input = { baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret: 'password', scope: 'view' };
export const jim2Manager = new TokenManager(jim2(jim2Input));`,
  },
  'tokenward/redis': {
    imports: "import { RedisTokenStore, type RedisCommander } from 'tokenward/redis';",
    use: `
const send: RedisCommander = async () => null;
export const fleetManager = new TokenManager({ ...options, store: new RedisTokenStore(send, { prefix: 'svc' }) });`,
  },
  'tokenward/otel': {
    imports: "import { instrument, METRIC_NAMES, type Instrumentation, type OpenTelemetryOptions } from 'tokenward/otel';",
    use: `
const otelOptions: OpenTelemetryOptions = { metrics: true, attributes: { 'tokenward.client': 'svc' } };
export const stopTelemetry: Instrumentation = instrument(tm, otelOptions);
export const hitsMetric: string = METRIC_NAMES.cacheHits;`,
  },
};

/** The consumer program: every entry's imports, then every entry's use. */
function program(): string {
  return [...entries.map((e) => SAMPLES[e]!.imports), ...entries.map((e) => SAMPLES[e]!.use)].join('\n');
}

const settings = [
  { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, name: 'node16/node16' },
  { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, name: 'esnext/bundler' },
  { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, name: 'commonjs/node10' },
] as const;

if (!built && !ci) console.warn('package-types.test.ts: dist/ is missing, skipping. Run `npm run build` first.');

describe.skipIf(!built && !ci)('the packed package type-checks in a consumer project', () => {
  let installed: Installed;
  beforeAll(async () => {
    installed = await packAndInstall({ type: 'module' });
    await installPeers(installed);
    // Under node16 an ESM file (`.ts` in a `"type": "module"` project) resolves the `import` condition,
    // a `.cts` file the `require` one; the other settings read only `consumer.ts`.
    writeFileSync(join(installed.app, 'consumer.ts'), program());
    writeFileSync(join(installed.app, 'consumer-cjs.cts'), program());
  }, 300_000);
  afterAll(() => installed?.remove());

  it('every entry in `exports` has a sample here', () => {
    expect(entries.filter((e) => SAMPLES[e] === undefined)).toEqual([]);
  });

  const cases = settings.flatMap((s) => [true, false].map((esModuleInterop) => ({ ...s, esModuleInterop })));
  it.each(cases.map((c) => [`${c.name}, esModuleInterop ${c.esModuleInterop}`, c] as const))(
    '%s',
    (_name, c) => {
      const files = ['consumer.ts', ...(c.module === ts.ModuleKind.Node16 ? ['consumer-cjs.cts'] : [])].map((f) => join(installed.app, f));
      const compiler = ts.createProgram(files, {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts'],
        module: c.module,
        moduleResolution: c.moduleResolution,
        esModuleInterop: c.esModuleInterop,
        allowSyntheticDefaultImports: c.esModuleInterop,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      });
      // Only tokenward's declarations and the consumer's code: other packages' .d.ts are theirs to fix.
      const problems = ts
        .getPreEmitDiagnostics(compiler)
        .filter(
          (d) =>
            d.file === undefined ||
            (d.file.fileName.startsWith(installed.app) && !/node_modules\/(?!tokenward\/)/.test(d.file.fileName.slice(installed.app.length))),
        )
        .map((d) => `${d.file ? d.file.fileName.slice(installed.app.length + 1) : ''}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(problems).toEqual([]);
      // One compile took 50 s on two busy cores: the timeout is a hang guard, not a speed check.
    },
    300_000,
  );
});
