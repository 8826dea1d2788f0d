/**
 * One `sleep` for the whole library (it existed twice, one copy ignoring the signal). Kept free of
 * imports so `tokenward/redis` can use it without loading p-retry.
 * @module
 */

/**
 * Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts (at once if it already
 * has), clearing the timer and its listener either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
