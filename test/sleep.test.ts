/**
 * The one sleep of the library (retry backoff, Redis lock polling): resolves after its time, or rejects
 * with the signal's reason when aborted, leaving no timer behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../src/sleep.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('sleep', () => {
  it('resolves after the given time, not before', async () => {
    vi.useFakeTimers();
    let done = false;
    const slept = sleep(100).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it('rejects with the reason when the signal aborts, and clears its timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(slept).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once for a signal that has already aborted, without a timer', async () => {
    vi.useFakeTimers();
    const reason = new Error('already');
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort after it resolved changes nothing', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(() => controller.abort()).not.toThrow();
  });
});
