// Load shapes shared by the scenarios: N concurrent loops sharing one budget
// of operations, and an open-loop sender at a steady rate.
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from './measure.ts';

/**
 * A shared budget of `count` operations that concurrent loops draw indexes
 * from when they are ready (work stealing), so a slow loop never leaves the
 * others idle at the end.
 */
export class WorkBudget {
  readonly #count: number;
  #next = 0;

  constructor(count: number) {
    this.#count = count;
  }

  /** The next operation's index, or undefined when the budget is spent. */
  take(): number | undefined {
    if (this.#next >= this.#count) return undefined;
    const index = this.#next;
    this.#next += 1;
    return index;
  }
}

/** Runs `loops` loops that together perform `count` operations. */
export async function runConcurrently(
  count: number,
  loops: number,
  operation: (index: number) => Promise<unknown>,
): Promise<void> {
  const budget = new WorkBudget(count);
  const loop = async () => {
    for (let index = budget.take(); index !== undefined; index = budget.take())
      await operation(index);
  };
  await Promise.all(Array.from({ length: loops }, loop));
}

/** Splits `count` into calls of at most `size` items, run one after another. */
export async function inChunks(
  count: number,
  size: number,
  call: (start: number, length: number) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += size) {
    await call(start, Math.min(size, count - start));
  }
}

/**
 * Calls `send` at a fixed rate for `durationMs`, without waiting for earlier
 * calls: open loop, so a slow send delays no later one and latency is not
 * under-reported (no coordinated omission). Resolves with the number of
 * calls once all of them have settled; the first failure rejects.
 */
export async function sendAtSteadyRate(
  ratePerSecond: number,
  durationMs: number,
  send: (index: number) => Promise<unknown>,
): Promise<number> {
  const intervalMs = 1000 / ratePerSecond;
  const total = Math.round((durationMs / 1000) * ratePerSecond);
  const startedAt = nowMs();
  const inFlight: Promise<void>[] = [];
  // Caught at once: a rejection must not go unhandled while later sends are
  // still being scheduled.
  let failure: { error: unknown } | undefined;
  for (let index = 0; index < total && !failure; index += 1) {
    const dueIn = startedAt + index * intervalMs - nowMs();
    if (dueIn > 0) await sleep(dueIn);
    inFlight.push(
      send(index).then(
        () => undefined,
        (error: unknown) => {
          failure ??= { error };
        },
      ),
    );
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return total;
}
