/**
 * `npm run demo` for every system, as a child process: exit code 0, the printed counts, and no token
 * or secret on screen.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_GUARD_MS, type ChildResult, runNode } from '../helpers/child-node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runDemo(args: string[]): Promise<ChildResult> {
  return runNode(['--import', 'tsx', 'demo/index.ts', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
}

/** Runs queue behind one another (two at a time), so a test may wait for all that came before it. */
const WAIT_MS = 6 * CHILD_GUARD_MS;

// `shows`: wire lines as they went over the wire (form bodies form-encoded, paths as the server saw them).
const systems: Array<{ args: string[]; logoff: number; shows?: string[] }> = [
  { args: [], logoff: 1 },
  { args: ['--system', 'jim2'], logoff: 1, shows: ['wire → 20 × POST /Jim_Test/api/v1/cardfilecreate '] },
  { args: ['--system', 'veeam'], logoff: 1, shows: ['wire   grant_type=password&username=vdro%5Cadministrator&password=[secret '] },
  { args: ['--system', 'infolink'], logoff: 0, shows: ['wire → 20 × POST /api/v1/executeJob '] },
  { args: ['--system', 'bright-pattern'], logoff: 0 },
  { args: ['--system', 'aspnet'], logoff: 0, shows: ['· POST /api/v1/auth/token with a JSON body', 'WindowsAuthentication=false'] },
];

describe('npm run demo', () => {
  // Queued at once, run two at a time (see test/helpers/child-node.ts).
  const runs = systems.map((s) => ({ ...s, result: runDemo(s.args) }));

  it.each(runs.map((r) => [r.args.join(' ') || '(default)', r] as const))(
    '%s: exits 0 with the expected counts',
    async (_name, run) => {
      const { code, stdout, stderr } = await run.result;
      expect(stderr.replace(/^npm warn.*\n?/gm, '')).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain('✓ token requests (the cached token was reused): 1');
      expect(stdout).toContain('✓ API requests for that call (rejected + replayed): 2');
      expect(stdout).toContain(`✓ logoff requests: ${run.logoff}`);
      expect(stdout).toContain(`Done: 23 API calls, 3 token requests, ${run.logoff} logoff ${run.logoff === 1 ? 'request' : 'requests'}.`);
      for (const line of run.shows ?? []) expect(stdout).toContain(line);
      // Redacted: token and secret values never appear, only their lengths.
      expect(stdout).not.toContain('demo secret');
      expect(stdout).not.toMatch(/"access_token":"|access_token=(?!\[token)/);
      expect(stdout).toMatch(/\[token \d+ chars\]/);
    },
    WAIT_MS,
  );

  it(
    'an unknown system exits non-zero and lists the choices',
    async () => {
      const { code, stderr } = await runDemo(['--system', 'nope']);
      expect(code).not.toBe(0);
      expect(stderr).toContain('choose one of: default, jim2, veeam, infolink, bright-pattern, aspnet');
    },
    WAIT_MS,
  );
});
