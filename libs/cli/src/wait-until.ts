// Programs that drive the bus (benchmarks, the chaos suite) wait for a
// condition with a deadline, never for a fixed time.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandBusError } from '@commandbus/errors';

export class WaitTimeoutError extends CommandBusError {
  constructor(description: string, timeoutMs: number) {
    super('WAIT_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${description}`);
  }
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Names the condition in the timeout error. */
  readonly description: string;
  /** Pause between checks. Default 10 ms: small next to any timed section. */
  readonly intervalMs?: number;
  /**
   * A check that throws counts as "not yet" (a database that is restarting)
   * instead of ending the wait with its error. Default false.
   */
  readonly retryFailedChecks?: boolean;
}

/** Resolves once `condition` returns true; WaitTimeoutError after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const check = Promise.resolve().then(condition);
    const holds = await (options.retryFailedChecks ? check.catch(() => false) : check);
    if (holds) return;
    if (Date.now() > deadline) throw new WaitTimeoutError(options.description, options.timeoutMs);
    await sleep(options.intervalMs ?? 10);
  }
}
