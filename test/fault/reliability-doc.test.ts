/**
 * docs/reliability.md lists every row of the fault table, by name, with the token requests the row
 * asserts; written by hand, so this test keeps the two in sync both ways.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiCases } from './api.cases.js';
import { requestsAfterRecovery } from './harness.js';
import { interceptorCases } from './interceptor.cases.js';
import { sessionCases } from './session.cases.js';
import { tokenEndpointCases } from './token-endpoint.cases.js';

const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');

/** `| case | outcome | requests | after recovery |` rows: name → [requests, after recovery]. */
const rows = new Map(
  doc
    .split('\n')
    .map((line) => /^\| (.+?) \| .+ \| (\d+) \| (\d+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, [Number(m[2]), Number(m[3])]] as const),
);
const cases = [...tokenEndpointCases, ...sessionCases, ...apiCases, ...interceptorCases];

describe('docs/reliability.md', () => {
  it.each(cases.map((row) => [row.name, row] as const))('lists "%s" with its token requests', (name, row) => {
    expect(rows.get(name), `no row named "${name}"`).toEqual([row.expect.tokenRequests, requestsAfterRecovery(row)]);
  });

  it('lists no case the fault table does not have', () => {
    const names = new Set(cases.map((c) => c.name));
    expect([...rows.keys()].filter((name) => !names.has(name))).toEqual([]);
  });

  it('covers at least 40 cases, names unique', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });
});
