/**
 * What a user downloads: tokenward's tarball (gzip and unpacked) and its install with dependencies,
 * next to openid-client's and simple-oauth2's, as ratios (tokenward ÷ other).
 *
 * `npm run bench -- pack-size`. Builds dist/ first, packs it like `npm publish` would, and asks the npm
 * registry for the others' tarballs (`npm pack <pkg> --dry-run --json`). "Installed" is the bytes under
 * node_modules after `npm install <package>` in an empty project: the package and its dependencies,
 * optional peers left out.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const OTHERS = ['openid-client', 'simple-oauth2'];

interface Packed {
  id: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
}

/** Bytes of every file under `dir`. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Installs `spec` into a fresh project and measures its node_modules. */
async function installedBytes(spec: string, work: string, name: string): Promise<{ bytes: number; packages: number; largest: string }> {
  const app = join(work, `app-${name}`);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name":"size-probe","version":"1.0.0","private":true}');
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--no-package-lock', spec], {
    cwd: app,
    maxBuffer: 16 * 1024 * 1024,
  });
  const modules = join(app, 'node_modules');
  const names = readdirSync(modules).flatMap((d) => (d.startsWith('@') ? readdirSync(join(modules, d)).map((n) => `${d}/${n}`) : d.startsWith('.') ? [] : [d]));
  const sizes = names.map((n) => [n, bytesUnder(join(modules, n))] as const).sort((a, b) => b[1] - a[1]);
  const largest = sizes
    .slice(0, 4)
    .map(([n, b]) => `${n} ${kb(b)}`)
    .join(', ');
  return { bytes: bytesUnder(modules), packages: names.length, largest };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

const work = mkdtempSync(join(tmpdir(), 'tokenward-pack-size-'));
try {
  await run('npm', ['run', 'build', '--silent'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const ours = (
    JSON.parse(
      (await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, maxBuffer: 16 * 1024 * 1024 })).stdout,
    ) as Array<Packed & { filename: string; files: Array<{ path: string; size: number }> }>
  )[0]!;
  const others = JSON.parse((await run('npm', ['pack', ...OTHERS, '--dry-run', '--json'], { cwd: work, maxBuffer: 16 * 1024 * 1024 })).stdout) as Packed[];
  const installs = [
    await installedBytes(join(work, ours.filename), work, 'tokenward'),
    ...(await Promise.all(others.map((p, i) => installedBytes(p.id, work, String(i))))),
  ];

  const rows = [ours, ...others].map((p, i) => ({
    package: p.id,
    files: p.entryCount,
    tarball: kb(p.size),
    unpacked: kb(p.unpackedSize),
    'installed (with deps)': `${kb(installs[i]!.bytes)} in ${installs[i]!.packages} packages`,
  }));
  console.table(rows);
  console.table(
    others.map((p, i) => ({
      'tokenward vs': p.id,
      tarball: ratio(ours.size, p.size),
      unpacked: ratio(ours.unpackedSize, p.unpackedSize),
      installed: ratio(installs[0]!.bytes, installs[i + 1]!.bytes),
    })),
  );
  const maps = ours.files.filter((f) => f.path.endsWith('.map')).reduce((sum, f) => sum + f.size, 0);
  console.log(`largest in tokenward's install: ${installs[0]!.largest}`);
  console.log(`tokenward's source maps: ${kb(maps)} of its ${kb(ours.unpackedSize)} unpacked`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
