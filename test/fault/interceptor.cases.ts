/**
 * Rows of the fault table for the undici interceptor (`tokenward/undici`) on `undici.request`: the same
 * rejections as `tm.fetch` meets, with the cool-down shared between the two. Outcomes follow
 * docs/fetch.md ("The undici interceptor") and issue 9's items 3, 4 and 12 where a row names a defect.
 */
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { expect } from 'vitest';
import { authInterceptor } from '../../src/index.js';
import * as f from '../helpers/faults.js';
import { apiSaw, invalidToken, tokenKept, warm } from './api-faults.js';
import { type ApiAnswer, type Ctx, calls, type FaultCase } from './harness.js';

/** An undici `Agent` composed with the interceptor (and `inner` interceptors beneath it); closed after the row. */
function interceptorAgent(ctx: Ctx, ...inner: Dispatcher.DispatcherComposeInterceptor[]): Dispatcher {
  const agent = new Agent();
  ctx.defer(() => agent.close());
  return agent.compose(...inner, authInterceptor(ctx.tm));
}

/** `undici.request` through `dispatcher`, read to the end. */
async function viaInterceptor(ctx: Ctx, dispatcher: Dispatcher, options: Partial<Dispatcher.RequestOptions> = {}): Promise<ApiAnswer> {
  const { statusCode, body, headers } = await request(ctx.server.apiUrl, { dispatcher, ...options });
  const challenge = headers['www-authenticate'];
  return { status: statusCode, body: await body.text(), wwwAuthenticate: typeof challenge === 'string' ? challenge : null };
}

export const interceptorCases: FaultCase[] = [
  {
    name: 'interceptor: API answers 401 for the new token too (a different token each time)',
    setup: ({ server }) => server.fault('api', invalidToken),
    act: async (ctx) => {
      const api = interceptorAgent(ctx);
      return calls(ctx, 5, (c) => viaInterceptor(c, api));
    },
    expect: { answers: [401, 401, 401, 401, 401], tokenRequests: 2 },
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 2 },
  },
  {
    // issue 9 defect 3
    name: 'interceptor: API answers 401 for the new token too, and the token endpoint hands back the same token',
    defect: 3,
    setup: ({ server }) => {
      server.fault('token', f.sameToken());
      server.fault('api', invalidToken);
    },
    act: async (ctx) => {
      const api = interceptorAgent(ctx);
      return calls(ctx, 5, (c) => viaInterceptor(c, api));
    },
    expect: { answers: [401, 401, 401, 401, 401], tokenRequests: 2 },
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 2 },
  },
  {
    // issue 9 defect 12
    name: 'interceptor: API answers 401 with WWW-Authenticate: Basic (a proxy)',
    defect: 12,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.unauthorized('Basic realm="corp-proxy"'));
    },
    act: async (ctx) => [(await viaInterceptor(ctx, interceptorAgent(ctx))).status],
    expect: { answers: [401], tokenRequests: 1 },
    check: async (ctx) => {
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 1 },
  },
  {
    // issue 9 defect 4
    name: 'interceptor: API redirects (302) to another origin, which answers 401',
    defect: 4,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.redirect(ctx.other.apiUrl));
      ctx.other.fault('api', f.unauthorized('Bearer error="invalid_token"'));
    },
    // The redirect interceptor beneath the auth interceptor: the auth interceptor sees the final answer.
    act: async (ctx) => [(await viaInterceptor(ctx, interceptorAgent(ctx, interceptors.redirect({ maxRedirections: 2 })))).status],
    expect: { answers: [401], tokenRequests: 1 },
    check: async (ctx) => {
      expect(
        ctx.other.apiRequests().map((r) => r.headers.authorization),
        'the other origin got the token',
      ).toEqual([undefined]);
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 1 },
  },
  {
    name: 'interceptor (redirects followed outside it): API redirects (302) to another origin, which answers 401',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.redirect(ctx.other.apiUrl));
      ctx.other.fault('api', f.unauthorized('Bearer error="invalid_token"'));
    },
    // The order docs/fetch.md recommends: the redirect interceptor outside, so each hop passes through
    // the auth interceptor, which sends the other origin's request on untouched.
    act: async (ctx) => {
      const agent = new Agent();
      ctx.defer(() => agent.close());
      return [(await viaInterceptor(ctx, agent.compose(authInterceptor(ctx.tm), interceptors.redirect({ maxRedirections: 2 })))).status];
    },
    expect: { answers: [401], tokenRequests: 1 },
    check: async (ctx) => {
      expect(
        ctx.other.apiRequests().map((r) => r.headers.authorization),
        'the other origin got the token',
      ).toEqual([undefined]);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 1 },
  },
  {
    name: 'interceptor: API answers 401 to a request whose body is a stream',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', invalidToken);
    },
    act: async (ctx) => {
      const { Readable } = await import('node:stream');
      return [(await viaInterceptor(ctx, interceptorAgent(ctx), { method: 'POST', body: Readable.from(['{"upload":"once"}']) })).status];
    },
    expect: { answers: [401], tokenRequests: 1 },
    check: apiSaw(1),
    recovery: { act: (ctx) => viaInterceptor(ctx, interceptorAgent(ctx)), tokenRequests: 2 },
  },
];
