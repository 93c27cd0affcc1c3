// Waiting for a condition with a deadline, instead of sleeping a fixed time
// (checks 10 ms apart by default: small next to any timed section), and the
// deadline a drain of N operations gets.
export { waitUntil, WaitTimeoutError } from '@commandbus/cli';

/**
 * A deadline generous enough for any healthy run: 20 ms per operation (50/s),
 * at least a minute. Hitting it means something is stuck, not slow.
 */
export function drainTimeoutMs(count: number): number {
  return Math.max(60_000, count * 20);
}
