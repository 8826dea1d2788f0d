/**
 * The body excerpt is built only when an error is raised: a successful answer, however large, never
 * pays for the redaction passes.
 */
import { describe, expect, it, vi } from 'vitest';
import { normalizeTokenResponse } from '../src/normalize.js';
import { excerpt } from '../src/redact.js';

vi.mock('../src/redact.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/redact.js')>();
  return { ...actual, excerpt: vi.fn(actual.excerpt) };
});

const headers = { 'content-type': 'application/json' };

describe('the error excerpt', () => {
  it('is not built for a successful answer', () => {
    const body = JSON.stringify({ access_token: 'x', token_type: 'Bearer', expires_in: 60, note: `<${'a'.repeat(40_000)}` });
    expect(normalizeTokenResponse({ status: 200, headers, body }).accessToken).toBe('x');
    expect(excerpt).not.toHaveBeenCalled();
  });

  it('is built once for an answer that is an error', () => {
    vi.mocked(excerpt).mockClear();
    expect(() => normalizeTokenResponse({ status: 400, headers, body: '{"error":"invalid_grant"}' })).toThrow(/invalid_grant/);
    expect(excerpt).toHaveBeenCalledTimes(1);
  });
});
