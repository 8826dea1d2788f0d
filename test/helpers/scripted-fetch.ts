/**
 * A `fetch` that answers from a script and records every request as sent, for unit tests of what the
 * manager does with each kind of answer (no sockets, no msw).
 */
import type { FetchLike } from '../../src/index.js';

/** One request as the scripted fetch saw it. */
export interface ScriptedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What to answer: a Response, a function of the request, or an error to throw (a network failure). */
export type ScriptStep = Response | Error | ((req: ScriptedRequest) => Response | Promise<Response>);

/** A `fetch` plus the requests it received. */
export interface ScriptedFetch {
  fetch: FetchLike;
  requests: ScriptedRequest[];
}

/** Answers request n with `steps[n]` (the last step repeats). */
export function scriptedFetch(...steps: ScriptStep[]): ScriptedFetch {
  const requests: ScriptedRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]));
    const req: ScriptedRequest = { method: init?.method ?? 'GET', url: String(input), headers, body: typeof init?.body === 'string' ? init.body : '' };
    requests.push(req);
    const step = steps[Math.min(requests.length - 1, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(req);
    return step.clone();
  };
  return { fetch, requests };
}

/** A JSON (or raw text) answer. */
export function answer(status: number, body: unknown = '', headers: Record<string, string> = {}): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const isJson = typeof body !== 'string';
  return new Response(status === 204 || status === 304 ? null : text, {
    status,
    headers: { ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers },
  });
}

/** A standard token answer. */
export function tokenAnswer(accessToken = 'at-1', extra: Record<string, unknown> = {}): Response {
  return answer(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, ...extra });
}
