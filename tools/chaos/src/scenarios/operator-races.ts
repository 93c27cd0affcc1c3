// Operator races, against real worker processes.
// Pairs: two operators act at once on one troubleshooting item (retry,
// cancel, complete in every pairing): exactly one wins, the other gets
// NOT_IN_TROUBLESHOOTING, and the item ends as the winner decided.
// Retry vs worker: items that fail three times; two operators keep retrying
// each one while the workers fail it straight back: every stay in the
// troubleshooting queue is retried exactly once, and the item completes once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabasePool } from 'slonik';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  NotInTroubleshootingError,
  Operator,
  Producer,
  openPool,
  type OperatorActionResult,
} from '@commandbus/commandbus';
import { settleAndVerify, silentLogger, type Scenario, type ScenarioContext } from '../scenario.ts';
import { sendWithRetry } from '../sending.ts';
import { waitUntil } from '../wait-until.ts';
import type { Expectation } from '../verify.ts';
import { planWorkload, type PlannedSend } from '../workload.ts';
import { startFleet } from '../worker-fleet.ts';

const DOMAIN = 'chaos_ops';
const ACTIONS = ['retry', 'cancel', 'complete'] as const;
type Action = (typeof ACTIONS)[number];
const PAIRS: readonly (readonly [Action, Action])[] = ACTIONS.flatMap((a) =>
  ACTIONS.map((b) => [a, b] as const),
);
/** Failures each retry-vs-worker item goes through before it may complete. */
const FAILURES = 3;

const count = z.object({ n: z.number() });

function batchOf(size: number): PlannedSend & { kind: 'batch' } {
  const [send] = planWorkload(size, {
    batchShare: 1,
    batchSize: size,
    chunkSize: size,
    permanentShare: 0,
    maxSleepMs: 0,
  });
  if (send?.kind !== 'batch') throw new Error('unreachable: a whole-batch workload is one batch');
  return send;
}

async function poison(
  pool: DatabasePool,
  ids: readonly string[],
  remaining: number,
): Promise<void> {
  await pool.query(sql.unsafe`
    INSERT INTO chaos.poison (command_id, remaining)
    SELECT id, ${remaining} FROM unnest(${sql.array(ids, 'uuid')}) AS id`);
}

/** Sends one batch of `size` commands whose handlers fail `failures` times each. */
async function sendPoisonedBatch(
  context: ScenarioContext,
  size: number,
  failures: number,
): Promise<{ batch: PlannedSend & { kind: 'batch' }; ids: string[] }> {
  const batch = batchOf(size);
  const ids = batch.commands.map((c) => c.commandId);
  await poison(context.pool, ids, failures);
  await sendWithRetry(
    new Producer({ pool: context.pool, domain: DOMAIN, logger: silentLogger }),
    context.pool,
    batch,
    { retries: 0 },
    Date.now() + 30_000,
  );
  return { batch, ids };
}

async function inTroubleshooting(pool: DatabasePool, ids: readonly string[]): Promise<number> {
  return pool.oneFirst(sql.type(count)`
    SELECT count(*)::int AS n FROM commandbus.command
     WHERE domain = ${DOMAIN} AND status = 'IN_TROUBLESHOOTING_QUEUE' AND command_id = ANY(${sql.array(ids, 'uuid')})`);
}

function act(operator: Operator, action: Action, id: string): Promise<OperatorActionResult> {
  if (action === 'retry') return operator.retry(id);
  if (action === 'cancel') return operator.cancel(id, 'chaos race');
  return operator.complete(id, { by: 'chaos race' });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}

interface Races {
  readonly expected: Map<string, Expectation>;
  readonly violations: string[];
  /** Batch completions the operators reported (the workers report theirs in their logs). */
  readonly announced: Map<string, number>;
}

async function racePairs(
  context: ScenarioContext,
  operators: readonly [Operator, Operator],
  races: Races,
  rounds: number,
) {
  const { batch, ids } = await sendPoisonedBatch(context, rounds, 1);
  await waitUntil(async () => (await inTroubleshooting(context.pool, ids)) === ids.length, {
    timeoutMs: 60_000,
    description: 'the pair items to reach the troubleshooting queue',
  });
  // Four rounds at a time: the pairs race each other's transactions too.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let round = next++; round < rounds; round = next++) {
        const id = ids[round] as string;
        const [first, second] = PAIRS[round % PAIRS.length] as readonly [Action, Action];
        const settled = await Promise.allSettled([
          act(operators[0], first, id),
          act(operators[1], second, id),
        ]);
        const won = settled.flatMap((s, i) =>
          s.status === 'fulfilled' ? [{ action: i === 0 ? first : second, result: s.value }] : [],
        );
        const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
        const winner = won[0];
        if (won.length !== 1 || !winner) {
          races.violations.push(
            `pair round ${round} (${first} vs ${second}): ${won.length} winners`,
          );
          continue;
        }
        if (!(lost[0] instanceof NotInTroubleshootingError)) {
          races.violations.push(
            `pair round ${round}: the loser failed with ${describe(lost[0])}, not NOT_IN_TROUBLESHOOTING`,
          );
        }
        if (winner.result.batchCompleted)
          races.announced.set(batch.batchId, (races.announced.get(batch.batchId) ?? 0) + 1);
        races.expected.set(id, {
          status: winner.action === 'cancel' ? 'CANCELED' : 'COMPLETED',
          // Only a retry runs the handler again (its poison is used up by now).
          effect: winner.action === 'retry',
        });
      }
    }),
  );
}

async function raceWorkers(
  context: ScenarioContext,
  operators: readonly [Operator, Operator],
  races: Races,
  items: number,
) {
  const { batch, ids } = await sendPoisonedBatch(context, items, FAILURES);
  const retries = new Map<string, number>();
  const deadline = Date.now() + 120_000;
  await Promise.all(
    ids.flatMap((id) =>
      operators.map(async (operator) => {
        // Retry whenever the item is back in the troubleshooting queue, until
        // it completes: most attempts race a worker that holds the item.
        while (Date.now() < deadline) {
          try {
            const result = await operator.retry(id);
            retries.set(id, (retries.get(id) ?? 0) + 1);
            if (result.batchCompleted)
              races.announced.set(batch.batchId, (races.announced.get(batch.batchId) ?? 0) + 1);
          } catch (error) {
            if (!(error instanceof NotInTroubleshootingError)) {
              races.violations.push(`retry of ${id}: ${describe(error)}`);
              return;
            }
            if (error.status === 'COMPLETED') return;
            await sleep(5 + Math.random() * 20);
          }
        }
      }),
    ),
  );
  for (const id of ids) {
    races.expected.set(id, { status: 'COMPLETED', effect: true });
    const n = retries.get(id) ?? 0;
    if (n !== FAILURES)
      races.violations.push(
        `item ${id}: retried ${n} times for ${FAILURES} stays in the troubleshooting queue`,
      );
  }
}

export const operatorRaces: Scenario = {
  name: 'operator-races',
  description: 'two operators on one troubleshooting item; operator retry racing workers',
  async run(context) {
    const fleet = await startFleet(context, {
      domain: DOMAIN,
      size: 2,
      concurrency: 8,
      vtSeconds: 10,
    });
    const pools = await Promise.all([
      openPool(context.url, { maximumPoolSize: 4 }),
      openPool(context.url, { maximumPoolSize: 4 }),
    ]);
    const races: Races = { expected: new Map(), violations: [], announced: new Map() };
    try {
      const operators = [
        new Operator({ pool: pools[0], domain: DOMAIN, logger: silentLogger, actor: 'chaos-a' }),
        new Operator({ pool: pools[1], domain: DOMAIN, logger: silentLogger, actor: 'chaos-b' }),
      ] as const;
      const rounds = Math.max(PAIRS.length * 2, Math.min(90, Math.round(context.commands / 50)));
      await racePairs(context, operators, races, rounds);
      context.say(`  ${DOMAIN}: ${rounds} pair rounds done`);
      const items = Math.max(4, Math.min(20, Math.round(context.commands / 250)));
      await raceWorkers(context, operators, races, items);
      context.say(`  ${DOMAIN}: ${items} items retried against the workers`);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const verdict = await settleAndVerify(context, {
      fleet,
      settleTimeoutMs: 60_000,
      verifyInput: {
        domain: DOMAIN,
        expected: races.expected,
        announcements: (batchId) =>
          fleet.batchAnnouncements(batchId) + (races.announced.get(batchId) ?? 0),
      },
    });
    return {
      ...verdict,
      violations: [...races.violations, ...verdict.violations],
      kills: 0,
      restarts: 0,
    };
  },
};
