import { describe, expect, it } from 'vitest';
import { gate } from './gate.ts';

describe('gate', () => {
  it('stays pending until opened, then is fulfilled for every waiter', async () => {
    const g = gate();
    let passed = 0;
    const waiters = [1, 2].map(() => g.promise.then(() => void passed++));
    // Let every already-settled promise run first: a shut gate must still hold.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(passed).toBe(0);
    g.open();
    await Promise.all(waiters);
    expect(passed).toBe(2);
  });
});
