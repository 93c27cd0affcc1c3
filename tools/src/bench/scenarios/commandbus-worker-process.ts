// One worker process of commandbus.e2e.procsN: a Worker with no-op handlers
// on a pool of its own, reporting its counts to the scenario every 20 ms and
// a last time after it stopped (on the parent's "stop").
import {
  BenchCommand,
  openBusPool,
  startBenchWorker,
  unexpectedOutcomes,
} from '../fixtures/commandbus.ts';
import { WORKER_PROCESS_ENV, type WorkerProcessReport } from './commandbus-e2e-procs.ts';

const REPORT_EVERY_MS = 20;

async function main(send: NonNullable<typeof process.send>): Promise<void> {
  const url = process.env[WORKER_PROCESS_ENV.url] ?? '';
  const concurrency = Number(process.env[WORKER_PROCESS_ENV.concurrency]);
  if (!url || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`bad worker process environment: concurrency ${concurrency}`);
  }
  // A connection per running handler, one for the read loop and one spare,
  // as commandbus.e2e.cN gives its worker.
  const pool = await openBusPool(url, concurrency + 2);
  let handled = 0;
  const worker = await startBenchWorker({
    pool,
    url,
    concurrency,
    command: BenchCommand,
    handle: () => {
      handled += 1;
    },
  });
  const report = (final: boolean, sent?: () => void) =>
    send(
      {
        handled,
        completed: worker.counts.completed,
        unexpected: unexpectedOutcomes(worker),
        final,
      } satisfies WorkerProcessReport,
      undefined,
      {},
      sent,
    );
  const reporter = setInterval(() => report(false), REPORT_EVERY_MS);
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  clearInterval(reporter);
  await worker.stop();
  await pool.end();
  await new Promise<void>((resolve) => report(true, resolve));
}

const send = process.send?.bind(process);
if (!send) {
  console.error('commandbus-worker-process.ts is started by the commandbus.e2e.procs scenario');
  process.exit(2);
}
// Exit explicitly: a library's stray timer must not keep the scenario waiting.
main(send).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
