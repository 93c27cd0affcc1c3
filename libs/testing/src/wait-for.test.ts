import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('keeps waiting while the probe returns 0 or null, and returns the first truthy value', async () => {
    const values: (number | null)[] = [0, null, 0, 7];
    let calls = 0;
    const got = await waitFor(() => values[calls++], { intervalMs: 1 });
    expect(got).toBe(7);
    expect(calls).toBe(4);
  });

  it('fails with the description once the deadline passes', async () => {
    await expect(
      waitFor(() => 0, { timeoutMs: 30, intervalMs: 5, description: 'a count above zero' }),
    ).rejects.toThrow('waiting for a count above zero');
  });
});
