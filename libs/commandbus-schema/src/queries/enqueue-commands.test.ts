// enqueueCommands has two statements: one for a single command (the common
// Producer.send) and the set-based one for many. Both must write the same
// rows, message and audit trail, and both must keep "one command, one
// message" when a duplicate arrives, early or racing.
import { randomUUID } from 'node:crypto';
import { createPool, sql, type CommonQueryMethods } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase, waitFor } from '@commandbus/testing';
import { namePreparedStatements } from '../prepared-statements.ts';
import { closeAll, lockWaiters, separateConnections } from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { enqueueCommands, type EnqueueCommandInput } from './enqueue-commands.ts';
import { insertBatch } from './insert-batch.ts';

const anyRow = z.record(z.string(), z.unknown());

function ids(commands: readonly { commandId: string }[]): string[] {
  return commands.map((c) => c.commandId).sort();
}

function command(overrides: Partial<EnqueueCommandInput> = {}): EnqueueCommandInput {
  const commandId = overrides.commandId ?? randomUUID();
  return {
    commandId,
    commandType: 'DoThing',
    maxAttempts: 3,
    replyQueue: '',
    correlationId: null,
    message: { command_id: commandId, data: { n: 1 } },
    ...overrides,
  };
}

function enqueue(
  db: CommonQueryMethods,
  domain: string,
  commands: readonly EnqueueCommandInput[],
  batchId: string | null = null,
) {
  return enqueueCommands(db, {
    domain,
    queue: `${domain}__commands`,
    batchId,
    channel: `commandbus_${domain}`,
    commands,
  });
}

async function createQueue(db: CommonQueryMethods, domain: string): Promise<void> {
  await db.query(sql.unsafe`SELECT pgmq.create(${`${domain}__commands`})`);
}

/** What a send leaves behind, without the domain and clock values. */
async function written(db: CommonQueryMethods, domain: string) {
  const [commands, audit, messages] = await Promise.all([
    db.any(sql.type(anyRow)`
      SELECT command_id::text, command_type, status, attempts, max_attempts, msg_id,
             reply_queue, correlation_id::text, batch_id::text, queue_name = ${`${domain}__commands`} AS own_queue
        FROM commandbus.command WHERE domain = ${domain} ORDER BY command_id`),
    db.any(sql.type(anyRow)`
      SELECT command_id::text, event_type, details_json
        FROM commandbus.audit WHERE domain = ${domain} ORDER BY command_id, audit_id`),
    db.any(sql.type(anyRow)`
      SELECT msg_id, read_ct, message FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])}
       ORDER BY msg_id`),
  ]);
  return { commands, audit, messages };
}

describe('enqueueCommands', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('writes the same commands, messages and audit rows one at a time as all at once', async () => {
    const pool = db().pool;
    const batchId = randomUUID();
    const commands = [
      command(),
      command({ commandType: 'Other', maxAttempts: 1, replyQueue: 'replies' }),
      command({ correlationId: randomUUID() }),
    ];
    for (const domain of ['one_by_one', 'all_at_once']) {
      await createQueue(pool, domain);
      await insertBatch(pool, { domain, batchId, totalCount: commands.length });
    }
    const single = [];
    for (const c of commands) single.push(...(await enqueue(pool, 'one_by_one', [c], batchId)));
    const together = await enqueue(pool, 'all_at_once', commands, batchId);

    expect(single.map((e) => e.msgId)).toEqual([1, 2, 3]);
    expect(new Map(together.map((e) => [e.commandId, e.msgId]))).toEqual(
      new Map(single.map((e) => [e.commandId, e.msgId])),
    );
    expect(await written(pool, 'one_by_one')).toEqual(await written(pool, 'all_at_once'));
    expect((await written(pool, 'one_by_one')).audit).toHaveLength(3);
  });

  it('sends nothing for a command that exists, not even a msg id, alone or among new ones', async () => {
    // One connection that keeps its session: the statements are named prepared
    // ones, run with PostgreSQL's generic plan, and the gate must hold there too.
    const pool = await createPool(db().url, {
      maximumPoolSize: 1,
      resetConnection: async () => undefined,
      interceptors: [namePreparedStatements],
    });
    try {
      await pool.query(sql.unsafe`SET plan_cache_mode = force_generic_plan`);
      const domain = 'dups';
      await createQueue(pool, domain);
      const first = command();
      const [sent] = await enqueue(pool, domain, [first]);
      for (let i = 0; i < 8; i += 1) expect(await enqueue(pool, domain, [first])).toEqual([]);
      const fresh = command();
      expect(await enqueue(pool, domain, [first, fresh])).toEqual([
        { commandId: fresh.commandId, msgId: (sent?.msgId ?? 0) + 1 },
      ]);
      const after = await written(pool, domain);
      expect(after.messages.map((m) => Number(m['msg_id']))).toEqual([
        sent?.msgId,
        (sent?.msgId ?? 0) + 1,
      ]);
      expect(after.audit.filter((a) => a['command_id'] === first.commandId)).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });

  for (const [label, extra] of [
    ['alone', 0],
    ['among new ones', 2],
  ] as const) {
    it(`a sender racing a committed send of the same id (${label}) withdraws its message`, async () => {
      const domain = `race_${extra}`;
      await createQueue(db().pool, domain);
      const [holder, racer] = await separateConnections(db().url, 2);
      if (!holder || !racer) throw new Error('no connections');
      try {
        const contested = command();
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let sent!: () => void;
        const isSent = new Promise<void>((resolve) => (sent = resolve));
        const holding = holder.transaction(async (tx) => {
          await enqueue(tx, domain, [contested]);
          sent();
          await released;
        });
        await isSent;
        // The racer's existence check cannot see the uncommitted row: it sends
        // a message, then its INSERT waits on the holder's index entry.
        const others = Array.from({ length: extra }, () => command());
        const racing = enqueue(racer, domain, [contested, ...others]);
        await waitFor(async () => (await lockWaiters(db().pool)) >= 1, {
          description: 'the racer waiting on the contested command',
        });
        release();
        await holding;
        expect(ids(await racing)).toEqual(ids(others));
      } finally {
        await closeAll([holder, racer]);
      }
      const after = await written(db().pool, domain);
      expect(after.messages).toHaveLength(1 + extra);
      expect(after.commands.map((c) => Number(c['msg_id'])).sort()).toEqual(
        after.messages.map((m) => Number(m['msg_id'])).sort(),
      );
      expect(after.audit).toHaveLength(1 + extra);
    });
  }
});
