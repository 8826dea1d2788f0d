/**
 * The packages bundled into dist/ (tsup's `noExternal`) are other people's MIT code shipped inside our
 * files: THIRD_PARTY_NOTICES.md must carry each one's licence, name the version installed (the one the
 * build bundles), and ship in the tarball; the README says which versions are inside.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const notices = read('THIRD_PARTY_NOTICES.md');
const readme = read('README.md');
const bundled = JSON.parse(/noExternal:\s*(\[[^\]]*\])/.exec(read('tsup.config.ts'))![1]!.replaceAll("'", '"')) as string[];

describe('third-party notices', () => {
  it('tsup bundles at least zod and p-retry (the list this test reads)', () => {
    expect(bundled).toEqual(expect.arrayContaining(['zod', 'p-retry']));
  });

  it.each(bundled)('%s: its installed version and its licence text are in THIRD_PARTY_NOTICES.md, its version in the README', (name) => {
    const dir = join(root, 'node_modules', name);
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    const licence = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    expect(licence, `${name} has a licence file`).toBeDefined();
    // After a version bump: replace the package's section with its new version and licence file.
    expect(notices).toContain(`## ${name}@${version}\n`);
    expect(notices).toContain(readFileSync(join(dir, licence!), 'utf8').trim());
    expect(readme).toContain(`${name} ${version}`);
  });

  it('ships in the package', () => {
    expect((JSON.parse(read('package.json')) as { files: string[] }).files).toContain('THIRD_PARTY_NOTICES.md');
  });
});
