/**
 * The CLI's exit codes, one per error class, and the few failures that are the CLI's own rather than
 * the library's. Loaded by every command, so it imports nothing.
 * @module
 */

/** Exit codes. Documented in `tokenward --help` and docs/cli.md; scripts may rely on them. */
export const EXIT = Object.freeze({
  /** Done. */
  OK: 0,
  /** Wrong flags or configuration, a refused secret on the command line, or an unexpected error. */
  USAGE: 1,
  /** The token endpoint answered with an OAuth error (`invalid_client`, `invalid_grant`, ...), or client authentication failed below HTTP. */
  OAUTH: 2,
  /** No answer: connection refused, DNS, TLS, or a timeout. */
  NETWORK: 3,
  /** An answer that is not a usable token response (an HTML page, malformed JSON, no access token), or unusable discovery metadata. */
  RESPONSE: 4,
  /** `fetch --fail`: the API answered with HTTP 400 or above. */
  HTTP: 5,
  /** `logoff`: the server did not release the session. */
  LOGOFF: 6,
  /** Jim2Server has no user licence free. */
  NO_LICENCE: 7,
  /** Interrupted by Ctrl-C (SIGINT). */
  INTERRUPTED: 130,
  /** Terminated (SIGTERM). */
  TERMINATED: 143,
});

/** A wrong flag, a missing setting, an unreadable file: exit code 1, the message says what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode: number = EXIT.USAGE;
  constructor(message: string) {
    super(message.startsWith('tokenward: ') ? message : `tokenward: ${message}`);
  }
}

/** A failure the CLI itself detected (an API answer under `--fail`, an API that did not answer), with its exit code. */
export class CliFailure extends Error {
  override name = 'CliFailure';
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message.startsWith('tokenward: ') ? message : `tokenward: ${message}`);
    this.exitCode = exitCode;
  }
}

/** Ctrl-C at a prompt or during a request. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  readonly exitCode: number;
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`tokenward: interrupted (${signal})`);
    this.exitCode = signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
  }
}

/** The exit-code table as the help text and docs show it. */
export const EXIT_TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.OK, 'ok'],
  [EXIT.USAGE, 'usage or configuration error (also: a secret passed on the command line)'],
  [
    EXIT.OAUTH,
    'the token endpoint refused: an OAuth error such as invalid_client or invalid_grant, a client certificate refused, an assertion that could not be made',
  ],
  [EXIT.NETWORK, 'network error or timeout: no answer from the server'],
  [EXIT.RESPONSE, 'bad server answer: not a token response (HTML page, malformed body, no access token), or unusable discovery metadata'],
  [EXIT.HTTP, 'fetch --fail: the API answered HTTP 400 or above'],
  [EXIT.LOGOFF, 'logoff failed: the server did not release the session'],
  [EXIT.NO_LICENCE, 'Jim2Server has no user licence free'],
  [EXIT.INTERRUPTED, 'interrupted (Ctrl-C)'],
  [EXIT.TERMINATED, 'terminated (SIGTERM)'],
];
