/**
 * Which timers a piece of code left behind: every `Timeout` created while tracking, still pending and
 * ref'd (so it would keep a process alive) when asked. `process.getActiveResourcesInfo()` only counts
 * timers, and the test runner's own come and go, so a count before and after can hide a leaked timer
 * behind one of the runner's that ended; tracking creation (async_hooks) cannot.
 */
import { createHook } from 'node:async_hooks';

/** A timer left behind: its delay and where it was created. */
export interface LeftTimer {
  readonly delayMs: number;
  readonly createdAt: string;
}

interface TimeoutLike {
  _idleTimeout?: number;
  _destroyed?: boolean;
  hasRef?: () => boolean;
}

/** The test runner's own timers (its RPC with the main process), not the code under test's. */
const RUNNER = /node_modules[\\/](vitest|@vitest|birpc|tinypool|tinyspy)[\\/]/;

/** Starts tracking; `stop()` ends it and lists the timers still pending and ref'd. */
export function trackTimers(): { stop(): LeftTimer[] } {
  const live = new Map<number, { timer: TimeoutLike; stack: string }>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') live.set(asyncId, { timer: resource as TimeoutLike, stack: new Error().stack ?? '' });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    stop() {
      hook.disable();
      return [...live.values()]
        .filter(({ timer, stack }) => timer._destroyed !== true && timer.hasRef?.() === true && !RUNNER.test(stack))
        .map(({ timer, stack }) => ({ delayMs: timer._idleTimeout ?? -1, createdAt: firstOwnFrame(stack) }));
    },
  };
}

function firstOwnFrame(stack: string): string {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
  return frames.find((f) => !f.includes('node:') && !f.includes('timer-tracker')) ?? frames[0] ?? '';
}
