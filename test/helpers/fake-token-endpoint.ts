/**
 * A token endpoint as a plain `fetch` function, for fake-timer tests (no socket, no msw): every request
 * is parsed and recorded, and a test answers with a handler per request or a queue of one-off answers.
 */
import type { FetchLike } from '../../src/index.js';

/** One token request as the fake endpoint saw it. */
export interface SeenRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  /** The form body, parsed. */
  readonly form: URLSearchParams;
  readonly grant: string | null;
  readonly signal: AbortSignal | undefined;
}

/** What a handler answers: a `Response`, a JSON body for a 200, or a promise of either. */
export type Answer = Response | Record<string, unknown>;
export type Handler = (req: SeenRequest, n: number) => Answer | Promise<Answer>;

/** A fake endpoint; `fetch` goes into `TokenManager`'s `fetch` option. */
export interface FakeEndpoint {
  readonly fetch: FetchLike;
  readonly requests: SeenRequest[];
  /** Answers for the next requests, first in first out; when empty, `handler` answers. */
  readonly queue: Handler[];
  handler: Handler;
  /** Requests with this grant_type. */
  count(grant?: string): number;
}

/** Creates a fake endpoint answering with `handler` (default: a fresh 1-hour token per request). */
export function fakeEndpoint(handler?: Handler): FakeEndpoint {
  const requests: SeenRequest[] = [];
  const queue: Handler[] = [];
  const endpoint: FakeEndpoint = {
    requests,
    queue,
    handler: handler ?? ((_req, n) => ({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600 })),
    count: (grant) => (grant === undefined ? requests.length : requests.filter((r) => r.grant === grant).length),
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
      const req: SeenRequest = {
        url: String(input),
        method: init?.method ?? 'GET',
        headers,
        form,
        grant: form.get('grant_type'),
        signal: init?.signal ?? undefined,
      };
      requests.push(req);
      const answer = await (queue.shift() ?? endpoint.handler)(req, requests.length);
      return answer instanceof Response ? answer : json(answer);
    },
  };
  return endpoint;
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A promise that never settles unless the request's signal aborts it (a hanging token endpoint). */
export function hang(req: SeenRequest): Promise<never> {
  return new Promise((_resolve, reject) => {
    req.signal?.addEventListener('abort', () => reject(req.signal!.reason), { once: true });
  });
}

/** A promise with its resolve and reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
