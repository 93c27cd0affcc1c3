// commandbus.e2e.procsN: a pre-loaded backlog drained by N worker processes
// (each one Worker at `concurrency` 8 on a pool of its own) against one
// database: the total rate, and proof in SQL that every command completed
// exactly once although N processes competed for it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  BUS_DOMAIN,
  expectCommands,
  openBusPool,
  prepareBusDatabase,
} from '../fixtures/commandbus.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';
import { drainTimeoutMs, waitUntil } from '../wait-until.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./commandbus-worker-process.ts', import.meta.url));

export const WORKER_PROCESS_ENV = {
  url: 'BENCH_WORKER_DATABASE_URL',
  concurrency: 'BENCH_WORKER_CONCURRENCY',
} as const;

/** Cumulative counts of one process; `final` once its worker has stopped. */
export interface WorkerProcessReport {
  readonly handled: number;
  readonly completed: number;
  readonly unexpected: string[];
  readonly final: boolean;
}

export interface ProcessesVariant {
  readonly processes: number;
  readonly concurrency: number;
}

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url, warmup + count);
}

interface Tally {
  handled: number;
  completed: number;
  unexpected: string[];
  final: boolean;
}

export async function run(
  { url, count, warmup }: ScenarioContext,
  { processes, concurrency }: ProcessesVariant,
): Promise<ScenarioOutcome> {
  const total = warmup + count;
  const gate = new WarmupGate(warmup);
  const tallies: Tally[] = [];
  const children: ChildProcess[] = [];
  const exits: Promise<void>[] = [];
  let failure: Error | undefined;
  for (let i = 0; i < processes; i += 1) {
    const tally: Tally = { handled: 0, completed: 0, unexpected: [], final: false };
    tallies.push(tally);
    const child = fork(WORKER_ENTRY, [], {
      execPath: process.execPath,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        [WORKER_PROCESS_ENV.url]: url,
        [WORKER_PROCESS_ENV.concurrency]: String(concurrency),
      },
    });
    children.push(child);
    child.on('message', (message) => {
      const report = message as WorkerProcessReport;
      if (report.handled > tally.handled) gate.count(report.handled - tally.handled);
      tally.handled = report.handled;
      tally.completed = report.completed;
      tally.unexpected = report.unexpected;
      tally.final = report.final;
    });
    exits.push(
      new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          if (!tally.final)
            failure ??= new Error(`worker process ${i} exited (${signal ?? `code ${code}`}) early`);
          resolve();
        }),
      ),
    );
  }
  const sum = (field: 'handled' | 'completed') => tallies.reduce((n, t) => n + t[field], 0);
  let timed;
  try {
    await waitUntil(
      () =>
        sum('completed') >= total ||
        failure !== undefined ||
        tallies.some((t) => t.unexpected.length > 0),
      { timeoutMs: drainTimeoutMs(total), description: `${total} commands to complete` },
    );
    // Completions are reported after their transactions commit: the drain is
    // done in the database too. Stopping the processes is not part of it.
    timed = gate.stop();
  } finally {
    for (const child of children) child.send('stop');
    await Promise.all(exits);
  }
  if (failure) throw failure;
  const unexpected = tallies.flatMap((t) => t.unexpected);
  if (unexpected.length > 0)
    throw new Error(`deliveries that did not complete: ${unexpected.join(', ')}`);
  if (sum('handled') !== total)
    throw new Error(
      `expected ${total} handler runs across ${processes} processes, got ${sum('handled')}`,
    );
  const pool = await openBusPool(url, 1);
  try {
    await expectCommands(pool, { total, status: 'completed', queued: 0 });
    await expectCompletedOnce(pool, total);
  } finally {
    await pool.end();
  }
  return timed;
}

const onceRow = z.object({ commands: z.coerce.number(), completions: z.coerce.number() });

/** Every command has exactly one COMPLETED audit row: no process finished one twice. */
async function expectCompletedOnce(
  pool: Awaited<ReturnType<typeof openBusPool>>,
  total: number,
): Promise<void> {
  // Parsed here: the pool has no result parser, so sql.type alone checks nothing.
  const row = onceRow.parse(
    await pool.one(sql.type(onceRow)`
      SELECT count(DISTINCT command_id) AS commands, count(*) AS completions
        FROM commandbus.audit
       WHERE domain = ${BUS_DOMAIN} AND event_type = 'COMPLETED'`),
  );
  if (row.commands !== total || row.completions !== total) {
    throw new Error(
      `expected ${total} commands completed once each; found ${row.completions} completions of ${row.commands} commands`,
    );
  }
}
