/**
 * What the API rows of the fault table share: the ways an API rejects a token, and what a row checks
 * after the fact (the token kept, the requests the API saw).
 */
import { expect } from 'vitest';
import { type Fault, healthyApi } from '../helpers/fault-server.js';
import * as f from '../helpers/faults.js';
import type { Ctx } from './harness.js';

/** A 401 with an RFC 6750 `invalid_token` challenge: the API's way of saying "this token is no good". */
export const invalidToken = f.unauthorized('Bearer error="invalid_token", error_description="The access token expired"');

/** The API rejects only the first token the server issued. */
export const rejectFirstToken: Fault = (ex) => {
  const first = ex.server.issued[0];
  return ex.request.headers.authorization === `Bearer ${first}` ? invalidToken(ex) : healthyApi(ex);
};

/** The cached token is still the one the manager started with: nothing dropped it. */
export async function tokenKept(ctx: Ctx): Promise<void> {
  expect(ctx.tm.peekToken()?.accessToken, 'the token was dropped').toBe(ctx.server.issued[0]);
}

/** The API saw exactly `n` requests: no replay when `n` is the number of calls. */
export const apiSaw = (n: number) => (ctx: Ctx) => expect(ctx.server.apiRequests(), 'requests the API saw').toHaveLength(n);

/** A request body that can be read once only. */
export function streamBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"upload":"once"}'));
      controller.close();
    },
  });
}

/** Takes the first token before the fault is switched on. */
export const warm = async (ctx: Ctx) => void (await ctx.tm.getToken());
