/**
 * A prompt for a secret with echo off: the terminal in raw mode, nothing echoed, backspace handled,
 * Ctrl-C interrupts. The question goes to stderr, so `$(tokenward token)` captures only the token.
 * @module
 */
import { Interrupted } from './exit-codes.js';

/** The streams a prompt uses; tests pass fakes. */
export interface PromptIO {
  readonly input: {
    readonly isTTY?: boolean;
    setRawMode?(mode: boolean): unknown;
    on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
    on(event: 'end', listener: () => void): unknown;
    off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
    off(event: 'end', listener: () => void): unknown;
    resume(): unknown;
    pause(): unknown;
  };
  readonly output: { write(text: string): unknown };
}

/** Whether a prompt can be shown: stdin is a terminal. */
export function canPrompt(input: { readonly isTTY?: boolean } = process.stdin): boolean {
  return input.isTTY === true;
}

/**
 * Asks `question` and reads one line without echoing it. Resolves on Enter (or end of input), rejects
 * with {@link Interrupted} on Ctrl-C. Terminal escape sequences (arrow keys) are ignored.
 */
export function askHidden(question: string, io: PromptIO = { input: process.stdin, output: process.stderr }): Promise<string> {
  const { input, output } = io;
  // Echo off before the question shows: a secret typed (or pasted) the moment it appears must not echo.
  input.setRawMode?.(true);
  output.write(question);
  let answer = '';
  return new Promise<string>((resolve, reject) => {
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onEnd = () => finish();
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      // An escape sequence (arrow keys, function keys) arrives as one chunk: not part of a secret.
      if (text.startsWith('\u001b')) return;
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Interrupted());
        if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('');
        else if (char >= ' ') answer += char;
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}
