/**
 * The fault table's harness can fail: a row that leaves a socket mid-exchange, leaves a timer behind,
 * miscounts token requests or gets the wrong error code is reported as such.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import * as f from '../helpers/faults.js';
import { type FaultCase, runCase } from './harness.js';

const healthy: FaultCase = { name: 'healthy', expect: { token: true, tokenRequests: 1 } };

describe('the fault-table harness', () => {
  it('passes a row whose expectations hold', async () => {
    await runCase(healthy);
  });

  it('fails a row that counts the token requests wrong', async () => {
    await expect(runCase({ ...healthy, expect: { token: true, tokenRequests: 2 } })).rejects.toThrow(/token requests while the fault was on/);
  });

  it('fails a row that expects another error code', async () => {
    const row: FaultCase = {
      name: 'wrong code',
      setup: ({ server }) => server.fault('token', f.htmlError(400)),
      expect: { error: ErrorCode.NETWORK, tokenRequests: 1 },
    };
    await expect(runCase(row)).rejects.toThrow(/ERR_TOKENWARD_RESPONSE/);
  });

  it('fails a row that leaves an answer unread, its socket open', async () => {
    let abandoned: Awaited<ReturnType<typeof request>> | undefined;
    const row: FaultCase = {
      ...healthy,
      setup: ({ server }) => server.fault('api', f.huge(50 * 1024 * 1024)),
      check: async ({ server }) => {
        abandoned = await request(server.apiUrl);
      },
    };
    try {
      await expect(runCase(row, { socketWaitMs: 300 })).rejects.toThrow(/sockets still open on the server/);
    } finally {
      abandoned?.body.destroy();
    }
  });

  it('fails a row that leaves a timer behind', async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const row: FaultCase = { ...healthy, check: () => void (timer = setTimeout(() => {}, 60_000)) };
    try {
      await expect(runCase(row)).rejects.toThrow(/timers left behind/);
    } finally {
      clearTimeout(timer);
    }
  });
});
