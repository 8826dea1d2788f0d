/**
 * The fault table, undici interceptor rows: real sockets, the default undici transport, one fault server per row.
 * The rows are in interceptor.cases.ts; what every row asserts is in harness.ts.
 */
import { describe, it } from 'vitest';
import { runCase } from './harness.js';
import { interceptorCases } from './interceptor.cases.js';

describe('fault table: the undici interceptor meets a misbehaving API', () => {
  it.each(interceptorCases.map((row) => [row.name, row] as const))('%s', async (_name, row) => runCase(row));
});
