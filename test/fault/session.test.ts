/**
 * The fault table, rows over a session (odd but usable answers, several calls, refresh, logoff): real sockets, the default undici transport, one fault server per row.
 * The rows are in session.cases.ts; what every row asserts is in harness.ts.
 */
import { describe, it } from 'vitest';
import { runCase } from './harness.js';
import { sessionCases } from './session.cases.js';

describe('fault table: the token endpoint over a session', () => {
  it.each(sessionCases.map((row) => [row.name, row] as const))('%s', async (_name, row) => runCase(row));
});
