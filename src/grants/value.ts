/**
 * A grant value from the options: a string as it is, or the caller's function called for this request.
 * @module
 */
import { callbackError, ErrorCode, TokenwardError } from '../errors.js';
import type { GrantValue } from '../options-grants.js';

/**
 * The value of option `name` for one request: a string as is; a function's answer, which must be a
 * non-empty string. What the function throws is `ERR_TOKENWARD_CALLBACK`; a wrong answer
 * `ERR_TOKENWARD_GRANT`. Neither message quotes a value.
 */
export async function grantValue(value: GrantValue | undefined, name: string): Promise<string | undefined> {
  if (typeof value !== 'function') return value;
  let result: unknown;
  try {
    result = await value();
  } catch (err) {
    throw callbackError(name, err);
  }
  if (typeof result !== 'string' || result.trim() === '') {
    throw new TokenwardError(
      ErrorCode.GRANT,
      `option \`${name}\` must return a non-empty string, got ${typeof result === 'string' ? 'an empty string' : result === null ? 'null' : typeof result}`,
    );
  }
  return result.trim();
}
