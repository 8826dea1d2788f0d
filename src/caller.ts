/**
 * One `getToken()` caller: its options, and its own wait on the acquisition it shares with others.
 * Concurrent callers share one token request, so one caller's abort must end that caller's wait only,
 * never the request the others are waiting for.
 * @module
 */
import { ErrorCode, NetworkError } from './errors.js';
import type { TokenManager } from './manager.js';
import type { TokenParameters } from './token-params.js';

/**
 * Options of {@link TokenManager.getToken}: how to wait, and (optionally) which token. Token parameters
 * (`scope`, `resource`, `audience`, `params`) select a parameter set with its own cached token.
 *
 * @example
 * ```ts
 * import type { GetTokenOptions } from 'tokenward';
 *
 * const options: GetTokenOptions = { signal: AbortSignal.timeout(5_000), audience: 'https://billing.example.com' };
 * const token = await tm.getToken(options);
 * ```
 */
export interface GetTokenOptions extends TokenParameters {
  /**
   * Stops waiting (for this caller only: the shared request goes on for the others). Rejects with code
   * `ERR_TOKENWARD_ABORTED`; an already-aborted signal rejects at once, even when a token is cached.
   */
  signal?: AbortSignal;
  /**
   * Acquire a new token even if the cached one is still valid. Joins an acquisition already in flight;
   * if that fails, this caller gets the error (never the old token, which others may still be served).
   */
  forceRefresh?: boolean;
}

/**
 * The error a `getToken()` caller gets when its signal fires (or had fired before the call): code
 * `ERR_TOKENWARD_ABORTED`, with the signal's reason as `cause`.
 * @internal
 */
export function aborted(signal: AbortSignal): NetworkError {
  return new NetworkError(ErrorCode.ABORTED, 'getToken() was aborted by the caller', { cause: signal.reason });
}

/**
 * Waits for the shared promise, or rejects this caller alone when its signal fires. The listener is
 * removed once the promise settles, so a long-lived signal reused across calls does not collect them.
 * @internal
 */
export function waitWithSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
