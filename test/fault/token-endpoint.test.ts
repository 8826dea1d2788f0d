/**
 * The fault table, token-endpoint rows: real sockets, the default undici transport, one fault server per
 * row. The rows and what each asserts are in token-endpoint.cases.ts and harness.ts.
 */
import { describe, it } from 'vitest';
import { runCase } from './harness.js';
import { tokenEndpointCases } from './token-endpoint.cases.js';

describe('fault table: the token endpoint misbehaves', () => {
  it.each(tokenEndpointCases.map((row) => [row.name, row] as const))('%s', async (_name, row) => runCase(row));
});
