/**
 * The package as a user gets it: `npm pack` of the built dist/, installed with `npm install <tarball>`
 * into a fresh project in a temp dir. Done once per test file (the tests share the install) and removed
 * after. The entry list comes from package.json `exports`, so a new subpath is covered once it has a
 * sample in the test that uses it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  devDependencies: Record<string, string>;
};

/** Every import specifier the package offers (`tokenward`, `tokenward/undici`, ...), from `exports`; `./package.json` left out. */
export const entries: readonly string[] = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));

/**
 * Entries that need an optional peer dependency, and the peer: a user installs it to use the entry, and
 * nothing else may need it. Installed by {@link installPeers} at the version this repository tests with.
 */
export const OPTIONAL_PEERS: Readonly<Record<string, string>> = { [`${manifest.name}/otel`]: '@opentelemetry/api' };

/** Installs every {@link OPTIONAL_PEERS} package into the consumer project (from npm's cache when it can). */
export async function installPeers(installed: Installed): Promise<void> {
  const peers = [...new Set(Object.values(OPTIONAL_PEERS))].map((name) => `${name}@${manifest.devDependencies[name] ?? 'latest'}`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...peers], {
    cwd: installed.app,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Whether dist/ is there to pack. */
export const built = existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/index.cjs'));

/** CI runs `npm test`, which builds before vitest: there a missing dist/ is a broken build, not a reason to skip. */
export const ci = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);

/** A packed and installed copy of the package. */
export interface Installed {
  /** The consumer project; `node_modules/tokenward` is the installed tarball. */
  readonly app: string;
  /** The tarball's path. */
  readonly tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them (`dist/index.js`, `README.md`, ...). */
  readonly files: readonly string[];
  /** Packed (gzip) and unpacked sizes, bytes. */
  readonly size: number;
  readonly unpackedSize: number;
  /** Removes the temp dir. */
  remove(): void;
}

/**
 * Packs dist/ as it is (`--ignore-scripts`: no `prepare` rebuild, `npm test` built it) and installs the
 * tarball into a new project whose package.json is `consumer` (ESM by default). Dependencies come from
 * npm's cache when they are there (`--prefer-offline`).
 */
export async function packAndInstall(consumer: Record<string, unknown> = { type: 'module' }): Promise<Installed> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-packed-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
    const tarball = join(dir, info!.filename);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, ...consumer }, null, 2));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
    return {
      app,
      tarball,
      files: info!.files.map((f) => f.path),
      size: info!.size,
      unpackedSize: info!.unpackedSize,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
