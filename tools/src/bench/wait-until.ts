// Waiting for a condition with a deadline, instead of sleeping a fixed time.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Pause between checks. Default 10 ms: small next to any timed section. */
  readonly intervalMs?: number;
  /** Names the condition in the timeout error. */
  readonly description: string;
}

export class WaitTimeoutError extends Error {
  constructor(description: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}`);
    this.name = 'WaitTimeoutError';
  }
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new WaitTimeoutError(options.description, options.timeoutMs);
    await sleep(options.intervalMs ?? 10);
  }
}

/**
 * A deadline generous enough for any healthy run: 20 ms per operation (50/s),
 * at least a minute. Hitting it means something is stuck, not slow.
 */
export function drainTimeoutMs(count: number): number {
  return Math.max(60_000, count * 20);
}
