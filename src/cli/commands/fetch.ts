/**
 * `tokenward fetch <url>`: a tiny curl through `tm.fetch`. The body goes to stdout as it arrives; with
 * `-i` the status line and headers come first; with `--fail` an HTTP error status prints nothing and
 * exits 5, as `curl -f` does. A relative URL resolves under `--base-url` (a profile sets it).
 * @module
 */
import { readFileSync } from 'node:fs';
import { CliFailure, EXIT, UsageError } from '../exit-codes.js';
import { type Session, target } from '../session.js';
import { urlForLog } from '../verbose.js';
import { print } from './print.js';

/** Runs `tokenward fetch`; resolves to the exit code. */
export async function run(session: Session, rest: readonly string[]): Promise<number> {
  const [url, extra] = rest;
  if (url === undefined) throw new UsageError('`tokenward fetch` needs a URL: tokenward fetch <url> [-X METHOD] [-d body | -d @file] [-H "Name: value"]...');
  if (extra !== undefined) throw new UsageError(`\`tokenward fetch\` takes one URL, got another: ${JSON.stringify(extra)}`);
  const flags = session.flags;
  const headers = parseHeaders((flags.header as string[] | undefined) ?? []);
  const body = await readData((flags.data as string[] | undefined) ?? [], session.io.stdin);
  const method = ((flags.request as string | undefined) ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X takes an HTTP method such as GET or POST, got ${JSON.stringify(method)}`);
  // As curl -d: form-encoded unless said otherwise.
  if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  const signal = withMaxTime(session.signal, flags['max-time'] as string | undefined);

  const tm = await session.manager();
  let response: Response;
  try {
    response = await target(tm, session.settings).fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal });
  } catch (err) {
    throw apiFailure(err, method, url, flags['max-time'] as string | undefined);
  }
  const where = `${method} ${urlForLog(response.url || url)}`;
  if (flags.fail === true && response.status >= 400) {
    await response.body?.cancel().catch(() => {});
    if (flags.logoff === true) await tm.logoff();
    throw new CliFailure(`${where} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, EXIT.HTTP);
  }
  const out = session.io.stdout;
  if (flags.include === true) {
    let head = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}\n`;
    for (const [name, value] of response.headers) {
      if (name === 'set-cookie') continue;
      head += `${name}: ${value}\n`;
    }
    for (const cookie of response.headers.getSetCookie()) head += `set-cookie: ${cookie}\n`;
    await print(out, `${head}\n`);
  }
  try {
    if (response.body) for await (const chunk of response.body) await print(out, chunk);
  } catch (err) {
    throw apiFailure(err, method, url, flags['max-time'] as string | undefined);
  }
  if (flags.logoff === true) await tm.logoff();
  return EXIT.OK;
}

/** `-H 'Name: value'` lines as `Headers`. */
function parseHeaders(lines: readonly string[]): Headers {
  const headers = new Headers();
  for (const line of lines) {
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    if (!/^[!#$%&'*+.^_`|~\w-]+$/.test(name))
      throw new UsageError(`-H takes "Name: value", got ${JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line)}`);
    headers.append(name, line.slice(at + 1).trim());
  }
  return headers;
}

/** `-d text`, `-d @file` (its bytes as they are), `-d @-` (stdin); several are joined with `&`, as curl does. */
async function readData(parts: readonly string[], stdin: NodeJS.ReadableStream): Promise<string | Buffer | undefined> {
  if (parts.length === 0) return undefined;
  const buffers: Buffer[] = [];
  for (const [i, part] of parts.entries()) {
    if (i > 0) buffers.push(Buffer.from('&'));
    if (part === '@-') buffers.push(await readAll(stdin));
    else if (part.startsWith('@')) {
      try {
        buffers.push(readFileSync(part.slice(1)));
      } catch (err) {
        throw new UsageError(`-d ${part}: cannot read ${JSON.stringify(part.slice(1))}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    } else buffers.push(Buffer.from(part));
  }
  return parts.length === 1 && !parts[0]!.startsWith('@') ? parts[0] : Buffer.concat(buffers);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * The session's signal, plus `--max-time <seconds>` for the whole call, as `curl -m`. A controller and
 * a timer rather than `AbortSignal.any([…, AbortSignal.timeout()])`: Node 20 holds the sources of
 * `any()` weakly, and a collected timeout signal never fired (seen here: the call ran to its end).
 */
function withMaxTime(signal: AbortSignal, maxTime: string | undefined): AbortSignal {
  if (maxTime === undefined) return signal;
  const seconds = Number(maxTime);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--max-time takes seconds, got ${JSON.stringify(maxTime)}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`--max-time ${maxTime} s`, 'TimeoutError')), Math.min(seconds * 1000, 2_147_483_647));
  timer.unref();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

/**
 * A failed API call as the CLI reports it. tokenward's own errors (the token endpoint's) pass through;
 * the API's own network failure or timeout becomes exit code 3, Ctrl-C stays itself.
 */
function apiFailure(err: unknown, method: string, url: string, maxTime: string | undefined): unknown {
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  if (typeof e?.code === 'string' || (e as { exitCode?: unknown })?.exitCode !== undefined) return err;
  const where = `${method} ${urlForLog(url)}`;
  if (e?.name === 'TimeoutError') return new CliFailure(`${where}: no complete answer within --max-time ${maxTime} s`, EXIT.NETWORK);
  if (e?.name === 'AbortError') return new CliFailure(`${where}: aborted`, EXIT.INTERRUPTED);
  const cause = typeof e?.cause?.code === 'string' ? e.cause.code : typeof e?.cause?.message === 'string' ? e.cause.message : (err as Error)?.message;
  // A message may quote a URL with its query: cut it as everywhere else.
  const text = String(cause).replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (u) => urlForLog(u));
  return new CliFailure(`${where} failed: ${text}`, EXIT.NETWORK);
}
