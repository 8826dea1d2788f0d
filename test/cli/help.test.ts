/**
 * `--help`, `<command> --help`, `--version` and a bare `tokenward`; and docs/cli.md against the tables
 * the CLI reads, so neither the help nor the page can miss a flag, a variable or an exit code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/args.js';
import { EXIT_TABLE } from '../../src/cli/exit-codes.js';
import { SECRETS } from '../../src/cli/secrets.js';
import { SETTINGS } from '../../src/cli/settings.js';
import { SYSTEMS } from '../../src/cli/systems.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, root, runCli, runCliTests } from './harness.js';

afterEach(cleanupDirs);

const everyFlag = [
  ...SETTINGS.map((s) => `--${s.flag}`),
  ...SECRETS.map((s) => `--${s.fileFlag}`),
  '--system',
  '--verbose',
  '--no-cache',
  '--cache-dir',
  '--help',
  '--version',
];
const everyVariable = [
  ...SETTINGS.map((s) => s.env),
  ...SECRETS.flatMap((s) => [s.env, s.fileEnv]),
  'TOKENWARD_SYSTEM',
  'TOKENWARD_CACHE',
  'TOKENWARD_CACHE_DIR',
];

describe.runIf(runCliTests)('help', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('--help lists every command, flag, environment variable, system and exit code', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const command of COMMANDS) expect(result.stdout).toContain(`tokenward ${command}`);
    for (const flag of everyFlag) expect(result.stdout).toContain(flag);
    for (const name of everyVariable) expect(result.stdout).toContain(name);
    for (const system of Object.keys(SYSTEMS)) expect(result.stdout).toContain(system);
    for (const [code, text] of EXIT_TABLE) expect(result.stdout).toMatch(new RegExp(`^ +${code} +${text.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  it.each([
    ['fetch', ['-X, --request', '-d, --data', '-H, --header', '-i, --include', '-f, --fail', '--max-time', '--logoff']],
    ['inspect', ['--json', 'never printed']],
    ['logoff', ['--acquire', 'cannot do: release a session whose tokens it does not have', '20 minutes']],
    ['token', ['$(tokenward token)']],
  ])('tokenward %s --help explains the command and its flags', async (command, phrases) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    for (const phrase of phrases) expect(result.stdout).toContain(phrase);
    expect(result.stdout).toContain('Exit codes');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('a bare `tokenward` shows the commands on stderr and exits 1', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('tokenward token');
    expect(result.stderr).toContain('tokenward --help');
  });
});

describe('docs/cli.md', () => {
  const page = readFileSync(join(root, 'docs/cli.md'), 'utf8');

  it('documents every flag, environment variable, system and exit code', () => {
    for (const flag of everyFlag) expect(page, flag).toMatch(new RegExp(`(\`|, )${flag}\\b`));
    for (const name of everyVariable) expect(page).toContain(name);
    for (const system of Object.keys(SYSTEMS)) expect(page).toContain(`\`${system}\``);
    for (const [code] of EXIT_TABLE) expect(page).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    for (const flag of ['-X, --request', '-d, --data', '-H, --header', '-i, --include', '-f, --fail', '--max-time', '--logoff', '--acquire', '--json'])
      expect(page).toContain(flag);
  });

  it('has the recipes: curl with $(tokenward token), debugging a 401, releasing a Jim2 licence', () => {
    expect(page).toContain('curl -fsS -H "Authorization: Bearer $(tokenward token)"');
    expect(page).toContain('**Debugging a 401.**');
    expect(page).toContain('**Releasing a Jim2 licence.**');
  });
});
