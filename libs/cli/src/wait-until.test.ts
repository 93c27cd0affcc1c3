import { describe, expect, it } from 'vitest';
import { CommandBusError } from '@commandbus/errors';
import { waitUntil, WaitTimeoutError } from './wait-until.ts';

describe('waitUntil', () => {
  it('returns once the condition holds, after checking as often as it takes', async () => {
    let checks = 0;
    await waitUntil(() => ++checks === 3, { timeoutMs: 60_000, description: 'three checks' });
    expect(checks).toBe(3);
  });

  it('gives up with WaitTimeoutError, code WAIT_TIMEOUT, naming the condition', async () => {
    const error = await waitUntil(() => false, {
      timeoutMs: 0,
      intervalMs: 1,
      description: 'something that never happens',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({
      code: 'WAIT_TIMEOUT',
      message: 'timed out after 0 ms waiting for something that never happens',
    });
  });

  it('a check that throws ends the wait with its error, unless failed checks are retried', async () => {
    const broken = new Error('database restarting');
    let checks = 0;
    const flaky = () => {
      if (++checks < 3) throw broken;
      return true;
    };
    await expect(
      waitUntil(flaky, { timeoutMs: 60_000, description: 'a flaky check' }),
    ).rejects.toBe(broken);
    checks = 0;
    await waitUntil(flaky, {
      timeoutMs: 60_000,
      intervalMs: 1,
      description: 'a flaky check',
      retryFailedChecks: true,
    });
    expect(checks).toBe(3);
  });
});
