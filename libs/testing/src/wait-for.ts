// Tests wait for a condition with a deadline, never for a fixed time.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly description?: string;
}

type Falsy = false | 0 | 0n | '' | null | undefined;

/**
 * Calls `probe` until it returns a truthy value, and returns that value.
 * Only truthiness counts: a probe that returns a count or a row that may be
 * `0` or `null` is still waiting, so "wait until the count is 0" must be
 * spelled as a comparison (`count === 0`).
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 20, description = 'condition' }: WaitForOptions = {},
): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(intervalMs);
  }
}
