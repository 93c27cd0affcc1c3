// readAndReceiveCommands writes what pgmq.read followed by sp_receive_command
// per message writes, and releaseCommands takes back exactly what it counted.
// Two domains get the same commands and messages (same ids); one is driven
// through pgmq.read and the procedure, the other through the fused statement.
import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@commandbus/testing';
import { receiveCommand } from '../procedures/receive-command.ts';
import { forceStatus } from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { insertCommands } from './insert-commands.ts';
import { readAndReceiveCommands } from './read-and-receive-commands.ts';
import { releaseCommands } from './release-commands.ts';

const VIA_PROCEDURE = 'fused_twin_a';
const FUSED = 'fused_twin_b';
/** A domain of its own for the release test, so no test sees another's messages. */
const RELEASING = 'fused_release';

/** Commands of a batch and loose ones, one completed, and the messages a queue may hold. */
function plan() {
  const batchId = randomUUID();
  const inBatch = Array.from({ length: 3 }, () => randomUUID());
  const loose = Array.from({ length: 3 }, () => randomUUID());
  const [completed = '', twice = ''] = loose;
  const messages = [
    ...[...inBatch, ...loose].map((id) => ({ command_id: id })),
    // A second copy of one command, a command nobody knows, and two that
    // name no command at all.
    { command_id: twice },
    { command_id: randomUUID() },
    { command_id: 'not-a-uuid' },
    { nothing: true },
  ];
  return { batchId, inBatch, loose, completed, twice, messages };
}

type Plan = ReturnType<typeof plan>;

async function seed(db: CommonQueryMethods, domain: string, p: Plan): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO commandbus.batch (domain, batch_id, name, total_count)
    VALUES (${domain}, ${p.batchId}, 'twin', 3)`);
  await insertCommands(
    db,
    [...p.inBatch, ...p.loose].map((commandId, i) => ({
      domain,
      queueName: `${domain}__commands`,
      commandId,
      commandType: 'DoThing',
      maxAttempts: 3,
      batchId: p.inBatch.includes(commandId) ? p.batchId : null,
      msgId: 1 + i,
    })),
  );
  await forceStatus(db, domain, p.completed, 'COMPLETED');
  await db.query(sql.unsafe`SELECT pgmq.create(${`${domain}__commands`})`);
  for (const message of p.messages) {
    await db.query(
      sql.unsafe`SELECT pgmq.send(${`${domain}__commands`}, ${JSON.stringify(message)}::jsonb)`,
    );
  }
}

const anyRow = z.record(z.string(), z.unknown());

/** Commands, batches, audit rows and messages, without domain and clock values. */
async function snapshot(db: CommonQueryMethods, domain: string) {
  return {
    commands: await db.any(sql.type(anyRow)`
      SELECT command_id::text, status, attempts, batch_id::text
        FROM commandbus.command WHERE domain = ${domain} ORDER BY command_id`),
    batches: await db.any(sql.type(anyRow)`
      SELECT status, started_at IS NOT NULL AS started
        FROM commandbus.batch WHERE domain = ${domain}`),
    audit: await db.any(sql.type(anyRow)`
      SELECT command_id::text, event_type, details_json
        FROM commandbus.audit WHERE domain = ${domain} ORDER BY command_id, audit_id`),
    messages: await db.any(sql.type(anyRow)`
      SELECT msg_id, read_ct, vt > clock_timestamp() AS leased
        FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])} ORDER BY msg_id`),
  };
}

const readRow = z.object({ msg_id: z.number(), command_id: z.string().nullable() });

describe('readAndReceiveCommands = pgmq.read, then sp_receive_command per message', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('leases and receives the same rows, and says which messages are stale, copies or unreadable', async () => {
    const pool = db().pool;
    const p = plan();
    await seed(pool, VIA_PROCEDURE, p);
    await seed(pool, FUSED, p);

    // The procedure route: read, then receive the first message of each command.
    const read = await pool.any(sql.type(readRow)`
      SELECT msg_id::int4 AS msg_id, CASE WHEN message->>'command_id' ~ '^[0-9a-f-]{36}$'
                          THEN message->>'command_id' END AS command_id
        FROM pgmq.read(${`${VIA_PROCEDURE}__commands`}, 30, 20) ORDER BY msg_id`);
    const seen = new Set<string>();
    const receivedOneByOne = new Map<number, number>();
    for (const { msg_id: msgId, command_id: commandId } of read) {
      if (!commandId || seen.has(commandId)) continue;
      seen.add(commandId);
      const row = await receiveCommand(pool, { domain: VIA_PROCEDURE, commandId, msgId });
      if (row) receivedOneByOne.set(msgId, row.attempts);
    }

    const fused = await readAndReceiveCommands(pool, {
      domain: FUSED,
      queue: `${FUSED}__commands`,
      vt: 30,
      qty: 20,
    });
    expect(fused.map((m) => m.msgId)).toEqual(read.map((r) => r.msg_id));
    expect(
      new Map(fused.flatMap((m) => (m.received ? [[m.msgId, m.received.attempts]] : []))),
    ).toEqual(receivedOneByOne);
    // Received rows carry the message they were delivered by.
    for (const m of fused) if (m.received) expect(m.received.msgId).toBe(m.msgId);
    const copy = fused.filter((m) => m.commandId === p.twice);
    expect(copy.map((m) => [m.firstOfCommand, m.received !== null])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(fused.find((m) => m.commandId === p.completed)?.received).toBeNull();
    expect(fused.filter((m) => m.commandId === null)).toHaveLength(2);

    const viaProcedure = await snapshot(pool, VIA_PROCEDURE);
    expect(viaProcedure.audit.filter((row) => row.event_type === 'RECEIVED')).toHaveLength(5);
    expect(await snapshot(pool, FUSED)).toEqual(viaProcedure);
  });

  it('releaseCommands takes back the attempt and the lease of deliveries that still own their command, and nothing else', async () => {
    const pool = db().pool;
    const p = plan();
    await seed(pool, RELEASING, p);
    const fused = await readAndReceiveCommands(pool, {
      domain: RELEASING,
      queue: `${RELEASING}__commands`,
      vt: 30,
      qty: 20,
    });
    const before = await snapshot(pool, RELEASING);
    const deliveries = fused.flatMap((m) =>
      m.received ? [{ commandId: m.received.commandId, msgId: m.msgId, attempt: 1 }] : [],
    );
    const [stolen, ...mine] = deliveries;
    // One command was taken over meanwhile (attempt 2): not this delivery's to hand back.
    await pool.query(
      sql.unsafe`UPDATE commandbus.command SET attempts = 2 WHERE command_id = ${stolen?.commandId ?? ''}`,
    );

    const released = await releaseCommands(pool, {
      domain: RELEASING,
      queue: `${RELEASING}__commands`,
      deliveries,
    });

    expect(released.sort()).toEqual(mine.map((d) => d.commandId).sort());
    const after = await snapshot(pool, RELEASING);
    for (const { commandId } of mine) {
      expect(after.commands.find((c) => c.command_id === commandId)).toMatchObject({
        status: 'PENDING',
        attempts: 0,
      });
    }
    expect(after.commands.find((c) => c.command_id === stolen?.commandId)).toMatchObject({
      status: 'IN_PROGRESS',
      attempts: 2,
    });
    const visible = new Set(mine.map((d) => d.msgId));
    for (const message of after.messages) {
      const msgId = Number(message.msg_id);
      expect(message.leased).toBe(!visible.has(msgId));
    }
    // The trail is append-only: the receive stays, nothing is added.
    expect(after.audit).toEqual(before.audit);
  });
});
