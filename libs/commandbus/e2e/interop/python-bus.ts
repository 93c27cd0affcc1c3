// A small stand-in for the Python command bus (reliable-cmd 0.2.x) in
// TypeScript: a producer, a worker step and an operator that write exactly
// what that library writes (docs/python-interop.md), straight to PostgreSQL
// and PGMQ in plain SQL, never through this library's code.
import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';

const json = (value: unknown) => sql.jsonb(value as Parameters<typeof sql.jsonb>[0]);
const queueOf = (domain: string) => `${domain}__commands`;
const channelOf = (domain: string) => `pgmq_notify_${queueOf(domain)}`;

export interface PythonSend {
  readonly commandType: string;
  readonly data: Record<string, unknown>;
  readonly commandId?: string;
  readonly replyTo?: string;
  /** The row's correlation id. */
  readonly correlationId?: string | null;
  /** What the message carries; the Python batch path draws it a second time. */
  readonly messageCorrelationId?: string | null;
}

/** Its `send`: command row, PGMQ message in its shape, SENT audit row, NOTIFY on the queue's channel. */
export async function pythonSend(
  db: CommonQueryMethods,
  domain: string,
  command: PythonSend,
  batchId: string | null = null,
): Promise<string> {
  const commandId = command.commandId ?? randomUUID();
  const correlationId = command.correlationId === undefined ? null : command.correlationId;
  const message: Record<string, unknown> = {
    domain,
    command_type: command.commandType,
    command_id: commandId,
    correlation_id:
      command.messageCorrelationId === undefined ? correlationId : command.messageCorrelationId,
    data: command.data,
  };
  if (command.replyTo) message['reply_to'] = command.replyTo;
  await db.query(sql.unsafe`SELECT pgmq.create(${queueOf(domain)})`);
  // One transaction, as the Python library sends: a worker must never see the
  // message before its command row (it would take it for stale and delete it).
  await db.transaction(async (tx) => {
    const msgId = await tx.oneFirst(sql.type(z.object({ send: z.coerce.number() }))`
      SELECT * FROM pgmq.send(${queueOf(domain)}, ${json(message)}) AS send`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.command (domain, queue_name, msg_id, command_id, command_type, status,
                                      attempts, max_attempts, reply_queue, correlation_id, batch_id)
      VALUES (${domain}, ${queueOf(domain)}, ${msgId}, ${commandId}::uuid, ${command.commandType},
              'PENDING', 0, 3, ${command.replyTo ?? ''}, ${correlationId}::uuid, ${batchId}::uuid)`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      VALUES (${domain}, ${commandId}::uuid, 'SENT', ${json({ msg_id: msgId, command_type: command.commandType })})`);
    await tx.query(sql.unsafe`SELECT pg_notify(${channelOf(domain)}, '')`);
  });
  return commandId;
}

/** Its `create_batch`: the batch row (batch_type COMMAND), then each command with the batch on its row only. */
export async function pythonCreateBatch(
  pool: DatabasePool,
  domain: string,
  commands: readonly PythonSend[],
): Promise<{ batchId: string; commandIds: string[] }> {
  const batchId = randomUUID();
  const commandIds = await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.batch (domain, batch_id, name, total_count, batch_type)
      VALUES (${domain}, ${batchId}::uuid, 'from python', ${commands.length}, 'COMMAND')`);
    const ids: string[] = [];
    for (const command of commands) ids.push(await pythonSend(tx, domain, command, batchId));
    return ids;
  });
  return { batchId, commandIds };
}

const messageRow = z.object({
  msg_id: z.coerce.number(),
  message: z.record(z.string(), z.unknown()),
});
const receivedRow = z.object({
  command_id: z.string(),
  correlation_id: z.string().nullable(),
  reply_queue: z.string(),
  attempts: z.number(),
  max_attempts: z.number(),
});

export type PythonOutcome =
  | { readonly kind: 'success'; readonly result: Record<string, unknown> | null }
  | { readonly kind: 'business'; readonly code: string; readonly message: string }
  | { readonly kind: 'permanent'; readonly code: string; readonly message: string };

/**
 * One pass of its worker: reads up to `qty` messages, receives each with
 * sp_receive_command, asks `decide` for the outcome and finishes the way it
 * does: COMPLETED (message deleted), FAILED with BUSINESS_RULE_FAILED, or
 * IN_TROUBLESHOOTING_QUEUE with MOVED_TO_TSQ (message archived, no
 * payload_archive row). Replies in its shape. Returns the messages it read.
 */
export async function pythonWorkOnce(
  pool: DatabasePool,
  domain: string,
  decide: (message: Record<string, unknown>) => PythonOutcome,
  qty = 10,
): Promise<Record<string, unknown>[]> {
  const messages = await pool.any(sql.type(messageRow)`
    SELECT msg_id, message FROM pgmq.read(${queueOf(domain)}, 30, ${qty})`);
  for (const { msg_id: msgId, message } of messages) {
    await pool.transaction(async (tx) => {
      const row = await tx.maybeOne(sql.type(receivedRow)`
        SELECT command_id::text, correlation_id::text, reply_queue, attempts, max_attempts
          FROM commandbus.sp_receive_command(${domain}, ${String(message['command_id'])}::uuid,
                                             'IN_PROGRESS', ${msgId})`);
      if (!row) {
        await tx.query(sql.unsafe`SELECT pgmq.delete(${queueOf(domain)}, ${msgId}::bigint)`);
        return;
      }
      const outcome = decide(message);
      const reply = (body: Record<string, unknown>) =>
        row.reply_queue === ''
          ? Promise.resolve()
          : tx.query(
              sql.unsafe`SELECT pgmq.send(${row.reply_queue}, ${json({
                command_id: row.command_id,
                correlation_id: row.correlation_id,
                ...body,
              })})`,
            );
      if (outcome.kind === 'success') {
        await tx.query(sql.unsafe`
          SELECT commandbus.sp_finish_command(${domain}, ${row.command_id}::uuid, 'COMPLETED', 'COMPLETED')`);
        await tx.query(sql.unsafe`SELECT pgmq.delete(${queueOf(domain)}, ${msgId}::bigint)`);
        await reply({ outcome: 'SUCCESS', result: outcome.result });
      } else if (outcome.kind === 'business') {
        await tx.query(sql.unsafe`
          SELECT commandbus.sp_finish_command(${domain}, ${row.command_id}::uuid, 'FAILED',
                 'BUSINESS_RULE_FAILED', 'BUSINESS_RULE', ${outcome.code}, ${outcome.message},
                 ${json({ error_code: outcome.code })})`);
        await tx.query(sql.unsafe`SELECT pgmq.archive(${queueOf(domain)}, ${msgId}::bigint)`);
        await reply({
          outcome: 'FAILED',
          result: { error_code: outcome.code, error_message: outcome.message, error_details: {} },
        });
      } else {
        await tx.query(sql.unsafe`
          SELECT commandbus.sp_finish_command(${domain}, ${row.command_id}::uuid,
                 'IN_TROUBLESHOOTING_QUEUE', 'MOVED_TO_TSQ', 'PERMANENT', ${outcome.code},
                 ${outcome.message}, ${json({ error_code: outcome.code })})`);
        await tx.query(sql.unsafe`SELECT pgmq.archive(${queueOf(domain)}, ${msgId}::bigint)`);
      }
    });
  }
  return messages.map((m) => m.message);
}

const tsqRow = z.object({
  command_id: z.string(),
  command_type: z.string(),
  correlation_id: z.string().nullable(),
  reply_queue: z.string(),
  batch_id: z.string().nullable(),
  status: z.string(),
});

async function lockItem(tx: CommonQueryMethods, domain: string, commandId: string) {
  const row = await tx.one(sql.type(tsqRow)`
    SELECT command_id::text, command_type, correlation_id::text, reply_queue, batch_id::text, status
      FROM commandbus.command WHERE domain = ${domain} AND command_id = ${commandId}::uuid FOR UPDATE`);
  if (row.status !== 'IN_TROUBLESHOOTING_QUEUE') throw new Error(`not in the tsq: ${row.status}`);
  return row;
}

/** Its operator: retry re-sends the newest archived PGMQ message of the command. */
export async function pythonOperatorRetry(
  pool: DatabasePool,
  domain: string,
  commandId: string,
): Promise<void> {
  await pool.transaction(async (tx) => {
    const row = await lockItem(tx, domain, commandId);
    const payload = await tx.oneFirst(sql.type(
      z.object({ message: z.record(z.string(), z.unknown()) }),
    )`
      SELECT message FROM ${sql.identifier(['pgmq', `a_${queueOf(domain)}`])}
       WHERE message->>'command_id' = ${commandId} ORDER BY msg_id DESC LIMIT 1`);
    const msgId = await tx.oneFirst(sql.type(z.object({ send: z.coerce.number() }))`
      SELECT * FROM pgmq.send(${queueOf(domain)}, ${json(payload)}) AS send`);
    await tx.query(sql.unsafe`
      UPDATE commandbus.command SET status = 'PENDING', attempts = 0, msg_id = ${msgId},
             updated_at = NOW() WHERE domain = ${domain} AND command_id = ${commandId}::uuid`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      VALUES (${domain}, ${commandId}::uuid, 'OPERATOR_RETRY', ${json({ msg_id: msgId })})`);
    await tx.query(sql.unsafe`SELECT commandbus.sp_tsq_retry(${domain}, ${row.batch_id}::uuid)`);
    await tx.query(sql.unsafe`SELECT pg_notify(${channelOf(domain)}, '')`);
  });
}

/** Its operator's cancel: CANCELED, OPERATOR_CANCEL, sp_tsq_cancel, reply `{…, outcome: CANCELED, reason}`. */
export async function pythonOperatorCancel(
  pool: DatabasePool,
  domain: string,
  commandId: string,
  reason: string,
): Promise<void> {
  await pool.transaction(async (tx) => {
    const row = await lockItem(tx, domain, commandId);
    await tx.query(sql.unsafe`
      UPDATE commandbus.command SET status = 'CANCELED', updated_at = NOW()
       WHERE domain = ${domain} AND command_id = ${commandId}::uuid`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      VALUES (${domain}, ${commandId}::uuid, 'OPERATOR_CANCEL', ${json({ reason })})`);
    await tx.query(sql.unsafe`SELECT commandbus.sp_tsq_cancel(${domain}, ${row.batch_id}::uuid)`);
    if (row.reply_queue !== '') {
      await tx.query(
        sql.unsafe`SELECT pgmq.send(${row.reply_queue}, ${json({
          command_id: row.command_id,
          correlation_id: row.correlation_id,
          outcome: 'CANCELED',
          reason,
        })})`,
      );
    }
  });
}

/** Its reply reader: what it takes from a reply (`result`, `error_code`, `error_message`). */
export async function pythonReadReplies(
  pool: DatabasePool,
  queue: string,
): Promise<Record<string, unknown>[]> {
  const rows = await pool.any(sql.type(messageRow)`
    SELECT msg_id, message FROM pgmq.read(${queue}, 30, 100)`);
  return rows.map((row) => row.message);
}
