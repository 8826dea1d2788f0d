/**
 * Rows of the fault table for the token endpoint over a session: answers that are odd but usable, several
 * calls (changing tokens, flapping), refresh tokens refused or failing, and logoff endpoints that misbehave.
 * Outcomes follow docs/lifecycle.md, and issue 9 item 9 where a row names it.
 */
import { expect } from 'vitest';
import { ErrorCode, type Token } from '../../src/index.js';
import { tokenJson } from '../helpers/fault-server.js';
import * as f from '../helpers/faults.js';
import { expectToken, type FaultCase, forced, tokens } from './harness.js';

export const sessionCases: FaultCase[] = [
  // --- Odd but usable answers -------------------------------------------------------------------------
  {
    // issue 9 defect 9
    name: 'token endpoint answers expires_in: 0',
    defect: 9,
    setup: ({ server }) => server.fault('token', f.tokenWith({ expires_in: 0 })),
    act: (ctx) => tokens(ctx, 5),
    expect: { resolves: true, tokenRequests: 1 },
    check: (ctx, got) => {
      for (const t of got as Token[]) expectToken(ctx, t);
    },
    recovery: { tokenRequests: 1 },
  },
  {
    // issue 9 defect 9
    name: 'token endpoint answers a JWT whose exp is already past, without expires_in',
    defect: 9,
    setup: ({ server }) =>
      server.fault('token', (ex) => {
        const token = `${f.jwt({ sub: 'fault', iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 540, jti: `${ex.server.tag}-${ex.n}` })}`;
        ex.server.issued.push(token);
        ex.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer' }));
      }),
    act: (ctx) => tokens(ctx, 5),
    expect: { resolves: true, tokenRequests: 1 },
    recovery: { tokenRequests: 1 },
  },
  {
    name: 'token endpoint answers expires_in: 1e12',
    setup: ({ server }) => server.fault('token', f.tokenWith({ expires_in: 1e12 })),
    act: (ctx) => tokens(ctx, 5),
    expect: { resolves: true, tokenRequests: 1 },
    check: (ctx, got) => {
      for (const t of got as Token[]) expectToken(ctx, t);
    },
    recovery: { tokenRequests: 1 },
  },
  {
    name: 'token endpoint labels a JSON token text/html',
    setup: ({ server }) => server.fault('token', f.tokenLabelled('text/html')),
    expect: { token: true, tokenRequests: 1 },
  },
  {
    name: 'token endpoint labels a JSON token application/octet-stream',
    setup: ({ server }) => server.fault('token', f.tokenLabelled('application/octet-stream')),
    expect: { token: true, tokenRequests: 1 },
  },
  {
    name: 'token endpoint redirects (302) to another token URL',
    setup: ({ server, other }) => server.fault('token', f.redirect(other.tokenUrl, 302)),
    expect: { error: ErrorCode.RESPONSE, status: 302, tokenRequests: 1 },
    check: ({ other }) => expect(other.requests, 'credentials followed the redirect').toHaveLength(0),
  },
  {
    name: 'token endpoint redirects (307, keep the body) to another token URL',
    setup: ({ server, other }) => server.fault('token', f.redirect(other.tokenUrl, 307)),
    expect: { error: ErrorCode.RESPONSE, status: 307, tokenRequests: 1 },
    check: ({ other }) => expect(other.requests, 'credentials followed the redirect').toHaveLength(0),
  },

  // --- Across several calls ---------------------------------------------------------------------------
  {
    name: 'token endpoint hands out a different token on every call',
    act: async (ctx) => [...(await forced(ctx, 3)), ...(await tokens(ctx, 3))],
    expect: { resolves: true, tokenRequests: 3 },
    check: (_ctx, got) => {
      const list = (got as Token[]).map((t) => t.accessToken);
      expect(new Set(list.slice(0, 3)).size).toBe(3);
      expect(list.slice(3)).toEqual([list[2], list[2], list[2]]);
    },
    recovery: { tokenRequests: 3 },
  },
  {
    name: 'token endpoint hands out the same token on every call',
    setup: ({ server }) => server.fault('token', f.sameToken()),
    act: (ctx) => forced(ctx, 3),
    expect: { resolves: true, tokenRequests: 3 },
    check: (_ctx, got) => expect(new Set((got as Token[]).map((t) => t.accessToken)).size).toBe(1),
    recovery: { tokenRequests: 3 },
  },
  {
    name: 'token endpoint flaps between a token and a 503',
    setup: ({ server }) => server.fault('token', f.flap(f.htmlError(503))),
    // good, then (503, good) for each forced renewal: the retry absorbs every bad answer.
    act: (ctx) => forced(ctx, 3),
    expect: { resolves: true, tokenRequests: 5 },
    check: (ctx, got) => {
      for (const t of got as Token[]) expectToken(ctx, t);
    },
    recovery: { tokenRequests: 5 },
  },
  {
    name: 'token endpoint flaps between a token and a reset',
    setup: ({ server }) => server.fault('token', f.flap(f.reset)),
    act: (ctx) => forced(ctx, 3),
    expect: { resolves: true, tokenRequests: 5 },
    recovery: { tokenRequests: 5 },
  },

  // --- Refresh tokens ---------------------------------------------------------------------------------
  {
    name: 'refresh token refused (400 invalid_grant): one fallback grant',
    setup: async (ctx) => {
      ctx.server.fault('token', (ex) => {
        if (ex.request.grant === 'refresh_token') return f.json({ error: 'invalid_grant' }, 400)(ex);
        const body = tokenJson(ex.server, ex.n, { refresh_token: `fault-rt-${ex.server.tag}-${ex.n}` });
        ex.server.issued.push(body.access_token as string);
        f.json(body)(ex);
      });
      await ctx.tm.getToken();
    },
    act: (ctx) => ctx.tm.getToken({ forceRefresh: true }),
    expect: { token: true, tokenRequests: 3 },
    check: ({ server }) => expect(server.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'client_credentials']),
    recovery: { tokenRequests: 3 },
  },
  {
    name: 'refresh fails with 503: the still-valid token is kept, no fallback grant',
    setup: async (ctx) => {
      ctx.server.fault('token', (ex) => {
        if (ex.request.grant === 'refresh_token') return f.htmlError(503)(ex);
        const body = tokenJson(ex.server, ex.n, { refresh_token: `fault-rt-${ex.server.tag}-${ex.n}` });
        ex.server.issued.push(body.access_token as string);
        f.json(body)(ex);
      });
      await ctx.tm.getToken();
    },
    act: (ctx) => ctx.tm.getToken({ forceRefresh: true }),
    expect: { error: ErrorCode.RESPONSE, status: 503, tokenRequests: 3 },
    check: async (ctx) => {
      expect(ctx.server.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'refresh_token']);
      expectToken(ctx, await ctx.tm.getToken());
    },
    recovery: { tokenRequests: 3 },
  },

  // --- Logoff -----------------------------------------------------------------------------------------
  {
    name: 'logoff endpoint hangs',
    options: ({ server }) => ({ logoff: { style: 'bearer', url: server.logoffUrl } }),
    setup: async (ctx) => {
      await ctx.tm.getToken();
      ctx.server.fault('logoff', f.hang);
    },
    act: (ctx) => ctx.tm.logoff(),
    expect: { error: ErrorCode.LOGOFF, tokenRequests: 1 },
    recovery: { tokenRequests: 2 },
  },
  {
    name: 'logoff endpoint answers 500 with an HTML page',
    options: ({ server }) => ({ logoff: { style: 'bearer', url: server.logoffUrl } }),
    setup: async (ctx) => {
      await ctx.tm.getToken();
      ctx.server.fault('logoff', f.htmlError(500));
    },
    act: (ctx) => ctx.tm.logoff(),
    expect: { error: ErrorCode.LOGOFF, tokenRequests: 1 },
    recovery: { tokenRequests: 2 },
  },
];
