/**
 * Rows of the fault table for `tm.fetch` against an API that rejects tokens in the ways real APIs and
 * proxies do. Outcomes follow docs/fetch.md ("When the API rejects the token") and issue 9's items 3, 4
 * and 12 where a row names a defect.
 */
import { expect } from 'vitest';
import { healthyApi } from '../helpers/fault-server.js';
import * as f from '../helpers/faults.js';
import { apiSaw, invalidToken, rejectFirstToken, streamBody, tokenKept, warm } from './api-faults.js';
import { callApi, calls, type FaultCase } from './harness.js';

export const apiCases: FaultCase[] = [
  // --- tm.fetch -------------------------------------------------------------------------------------
  {
    name: 'API answers 401 once (token revoked server-side): one renewal and a replay',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', rejectFirstToken);
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [200], tokenRequests: 2 },
    check: apiSaw(2),
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    name: '5 concurrent calls carrying the same rejected token: one renewal',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', rejectFirstToken);
    },
    act: async (ctx) => (await Promise.all(Array.from({ length: 5 }, () => callApi(ctx)))).map((a) => a.status),
    expect: { answers: [200, 200, 200, 200, 200], tokenRequests: 2 },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    name: 'API answers 401 for the new token too (a different token each time)',
    setup: ({ server }) => server.fault('api', invalidToken),
    // One renewal for the first call; the other four fall in the 5 s cool-down and cost no token request.
    act: (ctx) => calls(ctx, 5),
    expect: { answers: [401, 401, 401, 401, 401], tokenRequests: 2 },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    // issue 9 defect 3
    name: 'API answers 401 for the new token too, and the token endpoint hands back the same token',
    defect: 3,
    setup: ({ server }) => {
      server.fault('token', f.sameToken());
      server.fault('api', invalidToken);
    },
    act: (ctx) => calls(ctx, 5),
    expect: { answers: [401, 401, 401, 401, 401], tokenRequests: 2 },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    name: 'API answers 401 with a Basic and a Bearer invalid_token challenge: renewed',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', (ex) => (ex.n === 1 ? f.unauthorized('Basic realm="api", Bearer realm="api", error="invalid_token"')(ex) : healthyApi(ex)));
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [200], tokenRequests: 2 },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    // issue 9 defect 12
    name: 'API answers 401 with WWW-Authenticate: Basic (a proxy)',
    defect: 12,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.unauthorized('Basic realm="corp-proxy"'));
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [401], tokenRequests: 1 },
    check: async (ctx) => {
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    name: 'API answers 403 insufficient_scope',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.unauthorized('Bearer error="insufficient_scope", scope="reports:write"', 403));
    },
    act: (ctx) => calls(ctx, 3),
    expect: { answers: [403, 403, 403], tokenRequests: 1 },
    check: async (ctx) => {
      apiSaw(3)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    // issue 9 defect 12
    name: 'API answers 403 insufficient_scope whose description mentions invalid_token',
    defect: 12,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.unauthorized('Bearer error="insufficient_scope", error_description="reading invalid_token reports needs scope audit"', 403));
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [403], tokenRequests: 1 },
    check: async (ctx) => {
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    // issue 9 defect 12
    name: 'API answers 400 invalid_request in a realm named "invalid_token"',
    defect: 12,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.unauthorized('Bearer realm="invalid_token", error="invalid_request"', 400));
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [400], tokenRequests: 1 },
    check: async (ctx) => {
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    // issue 9 defect 4
    name: 'API redirects (302) to another origin, which answers 401',
    defect: 4,
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.redirect(ctx.other.apiUrl));
      ctx.other.fault('api', f.unauthorized('Bearer error="invalid_token"'));
    },
    act: (ctx) => calls(ctx, 1),
    expect: { answers: [401], tokenRequests: 1 },
    check: async (ctx) => {
      expect(
        ctx.other.apiRequests().map((r) => r.headers.authorization),
        'the other origin got the token',
      ).toEqual([undefined]);
      apiSaw(1)(ctx);
      await tokenKept(ctx);
    },
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    name: 'API answers 401 to a request whose body is a stream',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', invalidToken);
    },
    act: async (ctx) => [(await callApi(ctx, '/api/upload', { method: 'POST', body: streamBody(), duplex: 'half' } as RequestInit)).status],
    expect: { answers: [401], tokenRequests: 1 },
    // Not replayed (the body is gone), but the rejected token is dropped: the next call gets a new one.
    check: apiSaw(1),
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 2 },
  },
  {
    name: 'API resets the connection',
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.reset);
    },
    act: (ctx) => callApi(ctx),
    // As fetch does: a TypeError ("fetch failed"), and the token is not blamed.
    expect: { rejects: (err) => expect(err).toBeInstanceOf(TypeError), tokenRequests: 1 },
    check: tokenKept,
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    name: "API hangs until the caller's signal fires",
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.hang);
    },
    act: (ctx) => callApi(ctx, '/api/resource', { signal: AbortSignal.timeout(300) }),
    expect: { rejects: (err) => expect((err as Error).name).toBe('TimeoutError'), tokenRequests: 1 },
    check: tokenKept,
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
  {
    // issue 9 defect "Also": a custom isAuthFailure that throws must not leave the response body unconsumed.
    name: 'a custom isAuthFailure throws on a 50 MB API answer',
    defect: 'also',
    options: () => {
      let thrown = false;
      return {
        isAuthFailure: (response: Response) => {
          if (thrown) return response.status === 401;
          thrown = true;
          throw new Error('predicate bug');
        },
      };
    },
    setup: async (ctx) => {
      await warm(ctx);
      ctx.server.fault('api', f.huge(50 * 1024 * 1024));
    },
    act: (ctx) => callApi(ctx),
    // The predicate's error reaches the caller as a typed callback error naming the option (its own error
    // as the cause); the answer nobody will read must be cancelled, or its socket stays blocked on a write
    // the client never reads (the harness then finds it open).
    expect: {
      rejects: (err) => {
        expect(err).toMatchObject({ code: 'ERR_TOKENWARD_CALLBACK', message: expect.stringContaining('isAuthFailure') });
        expect(((err as Error).cause as Error).message).toBe('predicate bug');
      },
      tokenRequests: 1,
    },
    check: (ctx) => expect(ctx.server.largeWrites[0]!.finished, 'the client read the whole 50 MB answer').toBe(false),
    recovery: { act: (ctx) => callApi(ctx), tokenRequests: 1 },
  },
];
