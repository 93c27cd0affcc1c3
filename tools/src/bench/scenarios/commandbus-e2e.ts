// commandbus.e2e.cN: pre-loaded commands drained by one Worker running up to
// `concurrency` no-op handlers, with the full V001 bookkeeping (receive,
// lock, finish with audit rows, message delete) for every command.
import {
  BenchCommand,
  expectCommands,
  openBusPool,
  prepareBusDatabase,
  startBenchWorker,
  unexpectedOutcomes,
} from '../fixtures/commandbus.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';
import { drainTimeoutMs, waitUntil } from '../wait-until.ts';

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url, warmup + count);
}

export async function run(
  { url, count, warmup }: ScenarioContext,
  concurrency: number,
): Promise<ScenarioOutcome> {
  // A connection per running handler (its finishing transaction), one for the
  // read loop and one spare: fewer would measure waiting for the pool.
  const pool = await openBusPool(url, concurrency + 2);
  try {
    const total = warmup + count;
    const gate = new WarmupGate(warmup);
    const worker = await startBenchWorker({
      pool,
      url,
      concurrency,
      command: BenchCommand,
      handle: () => gate.count(),
    });
    let timed;
    try {
      await waitUntil(
        () => worker.counts.completed >= total || unexpectedOutcomes(worker).length > 0,
        {
          timeoutMs: drainTimeoutMs(total),
          description: `${total} commands to complete`,
        },
      );
      // Counted after each finishing transaction commits: the drain is done
      // in the database too. Shutting the worker down is not part of it.
      timed = gate.stop();
    } finally {
      await worker.stop();
    }
    const unexpected = unexpectedOutcomes(worker);
    if (unexpected.length > 0)
      throw new Error(`deliveries that did not complete: ${unexpected.join(', ')}`);
    await expectCommands(pool, { total, status: 'completed', queued: 0 });
    return timed;
  } finally {
    await pool.end();
  }
}
