// Duplicate storm: 20 producers, each with its own connections, send the same
// 1,000 command_ids at once, in different orders, singly and in chunks.
// Exactly 1,000 commands and 1,000 messages may result, each id reported as
// new to exactly one caller, and no send may fail.
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { Producer, openPool, type BatchItem, type SendResult } from '@commandbus/commandbus';
import { chaosEffect } from '../chaos-command.ts';
import { settleAndVerify, silentLogger, type Scenario } from '../scenario.ts';
import { planWorkload, plannedCommands, shuffle, type PlannedCommand } from '../workload.ts';
import { checkExactlyOnceSent } from '../verify.ts';
import { startFleet } from '../worker-fleet.ts';
import { expectationsOf } from './expectations.ts';

const DOMAIN = 'chaos_storm';
const PRODUCERS = 20;
const STORM_IDS = 1_000;

function item(command: PlannedCommand): BatchItem {
  return {
    command: chaosEffect,
    input: { commandId: command.commandId, data: { sleepMs: 0, failPermanently: false } },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

const deadlockCount = z.object({ n: z.number() });

/** Deadlocks PostgreSQL resolved in this database so far (slonik retries the victims' transactions). */
function deadlocks(pool: DatabasePool): Promise<number> {
  return pool.oneFirst(
    sql.type(
      deadlockCount,
    )`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`,
  );
}

export const duplicateStorm: Scenario = {
  name: 'duplicate-storm',
  description: `${PRODUCERS} concurrent producers send the same command_ids`,
  async run(context) {
    const size = Math.min(STORM_IDS, context.commands);
    const commands = plannedCommands(
      planWorkload(size, {
        batchShare: 0,
        batchSize: 1,
        chunkSize: size,
        permanentShare: 0,
        maxSleepMs: 0,
      }),
    );
    const expected = expectationsOf(commands);
    const deadlocksBefore = await deadlocks(context.pool);
    const reportedNew = new Map<string, number>();
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: PRODUCERS }, async (_, index) => {
        const pool = await openPool(context.url, { maximumPoolSize: 2 });
        try {
          const producer = new Producer({ pool, domain: DOMAIN, logger: silentLogger });
          const order = shuffle(commands).map(item);
          // Two send one at a time; the rest in chunks of 10-50.
          const calls =
            index % 10 === 0
              ? chunks(order, 1)
              : chunks(order, 10 + Math.floor(Math.random() * 41));
          for (const call of calls) {
            let results: SendResult[];
            try {
              results = await producer.sendBatch(call);
            } catch (error) {
              failures.push(
                `producer ${index}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
              );
              continue;
            }
            for (const result of results) {
              if (!result.duplicate)
                reportedNew.set(result.commandId, (reportedNew.get(result.commandId) ?? 0) + 1);
            }
          }
        } finally {
          await pool.end();
        }
      }),
    );
    const notNewOnce = commands.filter((c) => reportedNew.get(c.commandId) !== 1).length;
    // Counted before any worker runs, while every message is still there.
    const sentOnce = await checkExactlyOnceSent(context.pool, DOMAIN, size);
    const deadlocked = (await deadlocks(context.pool)) - deadlocksBefore;
    context.say(
      `  ${DOMAIN}: storm over (${failures.length} failed sends, ${deadlocked} deadlocks); working it off`,
    );

    const fleet = await startFleet(context, {
      domain: DOMAIN,
      size: 2,
      concurrency: 8,
      vtSeconds: 10,
    });

    const verdict = await settleAndVerify(context, {
      fleet,
      settleTimeoutMs: 120_000,
      verifyInput: { domain: DOMAIN, expected },
    });
    const violations = [
      ...failures.slice(0, 5),
      ...(failures.length > 5 ? [`…and ${failures.length - 5} more failed sends`] : []),
      ...(notNewOnce > 0
        ? [`${notNewOnce} command_ids not reported as new to exactly one sender`]
        : []),
      // PostgreSQL resolves a deadlock and slonik repeats the statement, but
      // each costs a second, and repeated often enough it fails the send.
      ...(deadlocked > 0 ? [`senders deadlocked ${deadlocked} times`] : []),
      ...sentOnce,
      ...verdict.violations,
    ];
    return { ...verdict, violations, kills: 0, restarts: 0 };
  },
};
