// Waiting for a condition with a deadline, never for a fixed time.
import { setTimeout as sleep } from 'node:timers/promises';

export class WaitTimeoutError extends Error {
  constructor(description: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly description: string;
  /** Pause between checks. Default 200 ms: the conditions here are database queries. */
  readonly intervalMs?: number;
}

/** Resolves once `condition` holds; a check that throws (database restarting) counts as not yet. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const holds = await Promise.resolve()
      .then(condition)
      .catch(() => false);
    if (holds) return;
    if (Date.now() > deadline) throw new WaitTimeoutError(options.description, options.timeoutMs);
    await sleep(options.intervalMs ?? 200);
  }
}
