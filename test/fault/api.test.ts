/**
 * The fault table, API rows: `tm.fetch` over real sockets against an API that rejects, redirects, resets
 * or hangs. The rows and what each asserts are in api.cases.ts and harness.ts.
 */
import { describe, it } from 'vitest';
import { apiCases } from './api.cases.js';
import { runCase } from './harness.js';

describe('fault table: tm.fetch meets a misbehaving API', () => {
  it.each(apiCases.map((row) => [row.name, row] as const))('%s', async (_name, row) => runCase(row));
});
