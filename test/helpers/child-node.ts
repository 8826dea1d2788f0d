/**
 * Runs Node child processes (an example, the demo) for the scenario tests: at most two at a time, one
 * per core, and with a hang guard far above what a run takes on a loaded machine. Started all at once
 * with a 20-second guard, seven tsx children on two busy cores hit the guard and failed runs that were
 * only slow.
 */
import { execFile } from 'node:child_process';

/** What a child did: its exit code (1 when killed by the guard or a signal) and its output. */
export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A run that takes longer is taken to hang. Tests awaiting one need a larger timeout than this. */
export const CHILD_GUARD_MS = 120_000;

const SLOTS = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function slot(): Promise<() => void> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** `node <args>` in `cwd`, queued behind the runs already going. */
export async function runNode(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ChildResult> {
  const release = await slot();
  try {
    return await new Promise((resolve) => {
      execFile(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: CHILD_GUARD_MS }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  } finally {
    release();
  }
}
