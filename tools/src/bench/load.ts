// Load shapes shared by the scenarios: N concurrent loops sharing one budget
// of operations (on held connections or not), drain loops, and an open-loop
// sender at a steady rate.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabasePool, DatabasePoolConnection } from 'slonik';
import { nowMs, type OperationBudget, type WarmupGate } from './measure.ts';

/** Runs `loops` loops that draw operations from `budget` until it is spent. */
export async function runConcurrently(
  budget: OperationBudget,
  loops: number,
  operation: (index: number, loop: number) => Promise<unknown>,
): Promise<void> {
  const run = async (_: unknown, loop: number) => {
    for (let op = budget.take(); op !== undefined; op = budget.take())
      await operation(op.index, loop);
  };
  await Promise.all(Array.from({ length: loops }, run));
}

/**
 * Runs `loops` loops that draw operations from `budget`, each loop on one
 * pool connection held for its whole run, as a process of its own would: a
 * checkout per call would time the pool, not the system.
 */
export async function runOnHeldConnections(
  pool: DatabasePool,
  budget: OperationBudget,
  loops: number,
  operation: (connection: DatabasePoolConnection, index: number, loop: number) => Promise<unknown>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: loops }, (_, loop) =>
      pool.connect(async (connection) => {
        for (let op = budget.take(); op !== undefined; op = budget.take())
          await operation(connection, op.index, loop);
      }),
    ),
  );
}

/** Splits `count` into calls of at most `size` items, run one after another (pre-loads). */
export async function inChunks(
  count: number,
  size: number,
  call: (start: number, length: number) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += size) {
    await call(start, Math.min(size, count - start));
  }
}

/** Calls of up to `size` operations drawn from `budget`, one after another. */
export async function chunksFromBudget(
  budget: OperationBudget,
  size: number,
  call: (start: number, length: number) => Promise<unknown>,
): Promise<void> {
  for (let chunk = budget.take(size); chunk !== undefined; chunk = budget.take(size)) {
    await call(chunk.index, chunk.length);
  }
}

/**
 * Drains a pre-loaded queue with `loops` loops on held connections, each
 * repeating `step` (which returns how many items it handled) until a step
 * finds nothing, and counting every item on `gate`. Only for queues nothing
 * else writes to: an empty step then means the rest is leased by another
 * loop, which will finish it.
 */
export async function drainOnHeldConnections(
  pool: DatabasePool,
  loops: number,
  gate: WarmupGate,
  step: (connection: DatabasePoolConnection) => Promise<number>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: loops }, () =>
      pool.connect(async (connection) => {
        for (let handled = await step(connection); handled > 0; handled = await step(connection))
          gate.count(handled);
      }),
    ),
  );
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
