// Waiting for a condition with a deadline, never for a fixed time. The chaos
// suite's conditions are database queries while servers restart and workers
// die: a check that throws counts as not yet, and checks are 200 ms apart.
import { waitUntil as waitWithDeadline, type WaitOptions } from '@commandbus/cli';

export { WaitTimeoutError } from '@commandbus/cli';

export function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  return waitWithDeadline(condition, { intervalMs: 200, retryFailedChecks: true, ...options });
}
