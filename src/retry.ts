/**
 * Retries of transient token-endpoint failures with p-retry: exponential backoff with jitter,
 * `Retry-After` honoured, a total time budget, and never a retry of an OAuth 4xx.
 * @module
 */
import pRetry, { AbortError } from 'p-retry';
import { ErrorCode, TokenwardError } from './errors.js';
import type { RetryOptions } from './options.js';
import { sleep } from './sleep.js';

/**
 * Longest `Retry-After` honoured, seconds. A server asking for more is treated as down: no retry, its
 * error is thrown at once (waiting minutes inside a token request would stall every caller behind it).
 */
const MAX_RETRY_AFTER_S = 60;

/**
 * Whether a failure is transient: network errors, timeouts, 408, 429 and 5xx. OAuth errors in a 4xx,
 * "no licence" and client-side problems are final.
 *
 * @example
 * ```ts
 * import { isTransient } from 'tokenward';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   // tokenward already retried with backoff; a transient failure may pass later, a final one will not.
 *   if (isTransient(err)) log.warn('identity provider unavailable, will try on the next job run');
 *   else throw err;
 * }
 * ```
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof TokenwardError)) return false;
  if (err.code === ErrorCode.NETWORK || err.code === ErrorCode.TIMEOUT) return true;
  if (err.code === ErrorCode.NO_LICENCE || err.code === ErrorCode.ABORTED || err.code === ErrorCode.CONFIG) return false;
  const s = err.status;
  return s === 408 || s === 429 || (s !== undefined && s >= 500 && s <= 599);
}

/** Runs `attempt` (given its number: 1, then 2 for the first retry, ...), retrying transient failures per `policy` (`false`: once only). */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: Required<RetryOptions> | false,
  onRetry: (attemptNumber: number, retriesLeft: number, error: TokenwardError) => void,
  signal?: AbortSignal,
): Promise<T> {
  if (policy === false || policy.retries === 0) return attempt(1);
  const started = performance.now();
  try {
    return await pRetry(
      async (attemptNumber) => {
        try {
          return await attempt(attemptNumber);
        } catch (err) {
          // p-retry's AbortError stops at once and rethrows the original error (unwrapped below).
          throw isTransient(err) ? err : new AbortError(err as Error);
        }
      },
      {
        retries: policy.retries,
        minTimeout: policy.minTimeout,
        maxTimeout: policy.maxTimeout,
        maxRetryTime: policy.maxRetryTime,
        randomize: true,
        ...(signal ? { signal } : {}),
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const err = error as TokenwardError;
          if (err.retryAfter !== undefined) {
            // Honour Retry-After only when it fits: over the cap, or longer than what is left of the
            // budget, the error is thrown now (before any sleep or retry event), not after a futile wait.
            const wait = err.retryAfter * 1000;
            const budget = policy.maxRetryTime - (performance.now() - started);
            if (err.retryAfter > MAX_RETRY_AFTER_S || wait >= budget) throw err;
            onRetry(attemptNumber, retriesLeft, err);
            // p-retry adds its own (shorter) backoff on top, itself cut to the remaining budget.
            await sleep(wait, signal);
            return;
          }
          onRetry(attemptNumber, retriesLeft, err);
        },
      },
    );
  } catch (err) {
    if (err instanceof AbortError && err.originalError) throw err.originalError;
    throw err;
  }
}
