// receiveCommands and completeCommands write, set-based, what
// sp_receive_command and sp_finish_command write one command at a time. Two
// domains get the same commands and batches (same ids); one is driven through
// the procedures, the other through the set-based statements, and every row
// they leave behind must be the same apart from the domain and the clock.
import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@commandbus/testing';
import { failCommand } from '../procedures/fail-command.ts';
import { finishCommand } from '../procedures/finish-command.ts';
import { receiveCommand } from '../procedures/receive-command.ts';
import { forceStatus } from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { completeCommands } from './complete-commands.ts';
import { insertBatch } from './insert-batch.ts';
import { insertCommands } from './insert-commands.ts';
import { receiveCommands } from './receive-commands.ts';

const VIA_PROCEDURES = 'via_procedures';
const SET_BASED = 'set_based';

/** Commands of two batches and some without one, plus the states a receive must skip. */
function plan() {
  const wholeBatch = randomUUID(); // every command received and completed: completes
  const partBatch = randomUUID(); // one command never finished: stays IN_PROGRESS
  const commands = [
    ...Array.from({ length: 3 }, () => ({ id: randomUUID(), batchId: wholeBatch })),
    ...Array.from({ length: 3 }, () => ({ id: randomUUID(), batchId: partBatch })),
    ...Array.from({ length: 5 }, () => ({ id: randomUUID(), batchId: null })),
  ];
  const loose = commands.filter((c) => c.batchId === null).map((c) => c.id);
  const [alreadyCompleted, inTroubleshooting, failedBefore, businessRuleFailed] = loose;
  return {
    batches: [
      { batchId: wholeBatch, total: 3 },
      { batchId: partBatch, total: 3 },
    ],
    commands,
    alreadyCompleted: alreadyCompleted ?? '',
    inTroubleshooting: inTroubleshooting ?? '',
    /** FAILED by a business rule: terminal, a receive must skip it. */
    businessRuleFailed: businessRuleFailed ?? '',
    /** Failed once already: its last error must survive receive and complete. */
    failedBefore: failedBefore ?? '',
    unknown: randomUUID(),
    /** Received, but finished by a delivery of another attempt: must not finish. */
    superseded: commands[5]?.id ?? '',
  };
}

type Plan = ReturnType<typeof plan>;

async function seed(db: CommonQueryMethods, domain: string, p: Plan): Promise<void> {
  for (const { batchId, total } of p.batches) {
    await insertBatch(db, { domain, batchId, name: 'twin', totalCount: total });
  }
  await insertCommands(
    db,
    p.commands.map(({ id, batchId }, i) => ({
      domain,
      queueName: `${domain}__commands`,
      commandId: id,
      commandType: 'DoThing',
      maxAttempts: 3,
      batchId,
      msgId: 500 + i,
    })),
  );
  await forceStatus(db, domain, p.alreadyCompleted, 'COMPLETED');
  await forceStatus(db, domain, p.inTroubleshooting, 'IN_TROUBLESHOOTING_QUEUE');
  await forceStatus(db, domain, p.businessRuleFailed, 'FAILED');
  await receiveCommand(db, { domain, commandId: p.failedBefore });
  await failCommand(db, {
    domain,
    commandId: p.failedBefore,
    errorType: 'TRANSIENT',
    errorCode: 'TIMEOUT',
    errorMsg: 'the first try timed out',
    attempt: 1,
    maxAttempts: 3,
    msgId: 700,
  });
  await db.query(sql.unsafe`SELECT pgmq.create(${`${domain}__commands`})`);
}

const anyRow = z.record(z.string(), z.unknown());

/** Everything the two statements may have written, without domain and clock values. */
async function snapshot(db: CommonQueryMethods, domain: string) {
  const [commands, batches, audit] = await Promise.all([
    db.any(sql.type(anyRow)`
      SELECT command_id::text, command_type, status, attempts, max_attempts, msg_id,
             last_error_type, last_error_code, last_error_msg, batch_id::text,
             updated_at >= created_at AS updated_in_order
        FROM commandbus.command WHERE domain = ${domain} ORDER BY command_id`),
    db.any(sql.type(anyRow)`
      SELECT batch_id::text, status, total_count, completed_count, canceled_count,
             failed_count, in_troubleshooting_count, started_at IS NOT NULL AS started,
             completed_at IS NOT NULL AS completed
        FROM commandbus.batch WHERE domain = ${domain} ORDER BY batch_id`),
    db.any(sql.type(anyRow)`
      SELECT command_id::text, event_type, details_json
        FROM commandbus.audit WHERE domain = ${domain} ORDER BY command_id, audit_id`),
  ]);
  return { commands, batches, audit };
}

describe('set-based receive and complete = the procedures, row for row', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('leaves the same commands, batches and audit trail, and returns the same results', async () => {
    const pool = db().pool;
    const p = plan();
    await seed(pool, VIA_PROCEDURES, p);
    await seed(pool, SET_BASED, p);
    const deliveries = [
      ...p.commands.map(({ id }, i) => ({ commandId: id, msgId: 9000 + i })),
      { commandId: p.unknown, msgId: 9999 },
    ];

    // Receive: the worker's step 3 for every delivered message.
    const receivedOneByOne = new Map<string, unknown>();
    for (const { commandId, msgId } of deliveries) {
      const row = await receiveCommand(pool, { domain: VIA_PROCEDURES, commandId, msgId });
      if (row)
        receivedOneByOne.set(commandId, { ...row, domain: null, createdAt: null, updatedAt: null });
    }
    const receivedTogether = await receiveCommands(pool, { domain: SET_BASED, deliveries });
    expect(
      new Map(
        [...receivedTogether].map(([id, row]) => [
          id,
          { ...row, domain: null, createdAt: null, updatedAt: null },
        ]),
      ),
    ).toEqual(receivedOneByOne);
    expect(receivedTogether.size).toBe(p.commands.length - 3);
    expect(await snapshot(pool, SET_BASED)).toEqual(await snapshot(pool, VIA_PROCEDURES));

    // Complete: every received delivery, one of them with an attempt that is
    // not the command's current one: it no longer owns the command, and
    // completeCommands skips it where the worker checks before the procedure.
    const finishing = [...receivedTogether.values()]
      .map((row) => ({
        commandId: row.commandId,
        msgId: row.msgId ?? 0,
        attempt: row.commandId === p.superseded ? row.attempts + 1 : row.attempts,
      }))
      .sort((a, b) => a.commandId.localeCompare(b.commandId));
    const completedOneByOne = new Map<string, boolean>();
    for (const { commandId, msgId, attempt } of finishing) {
      if (commandId === p.superseded) continue;
      completedOneByOne.set(
        commandId,
        await finishCommand(pool, {
          domain: VIA_PROCEDURES,
          commandId,
          status: 'COMPLETED',
          eventType: 'COMPLETED',
          details: { msg_id: msgId, attempt },
        }),
      );
    }
    const completedTogether = await completeCommands(pool, {
      domain: SET_BASED,
      queue: `${SET_BASED}__commands`,
      deliveries: finishing,
    });
    expect(
      new Map(
        completedTogether.map(({ commandId, batchCompleted }) => [commandId, batchCompleted]),
      ),
    ).toEqual(completedOneByOne);
    expect([...completedOneByOne.values()].filter(Boolean)).toHaveLength(1);
    expect(await snapshot(pool, SET_BASED)).toEqual(await snapshot(pool, VIA_PROCEDURES));

    // A second finish of the same deliveries changes nothing in either.
    const before = await snapshot(pool, SET_BASED);
    expect(
      await completeCommands(pool, {
        domain: SET_BASED,
        queue: `${SET_BASED}__commands`,
        deliveries: finishing,
      }),
    ).toEqual([]);
    expect(await snapshot(pool, SET_BASED)).toEqual(before);
  });
});
