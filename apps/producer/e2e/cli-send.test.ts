// `producer send` as a real process: one command from flags, many from a
// JSON-lines file, --json for scripts and --reply; each leaves its command
// row, its PGMQ message and its SENT audit row.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { sql } from 'slonik';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openPool, Worker } from '@commandbus/commandbus';
import { replyEnvelopeSchema } from '@commandbus/commandbus/internals';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { registerDemoHandlers } from '@commandbus/demo';
import { useCliProcesses, useTestDatabase, waitFor } from '@commandbus/testing';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const producerMain = path.resolve(here, '../src/main.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'cli-send-'));

const sendResults = z.array(
  z.object({ commandId: z.uuid(), msgId: z.number().nullable(), duplicate: z.boolean() }),
);

const commandRow = z.object({
  command_id: z.string(),
  command_type: z.string(),
  status: z.string(),
  msg_id: z.bigint(),
  queue_name: z.string(),
  reply_queue: z.string(),
  correlation_id: z.string().nullable(),
});

const queuedMessage = z.object({ msg_id: z.bigint(), message: z.record(z.string(), z.unknown()) });

describe('producer send', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  const cli = useCliProcesses();
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const send = (args: readonly string[]) =>
    cli.run(producerMain, ['send', ...args], { env: { DATABASE_URL: db().url } });

  const commandsOf = (domain: string) =>
    db().pool.any(sql.type(commandRow)`
      SELECT command_id, command_type, status, msg_id, queue_name, reply_queue, correlation_id
        FROM commandbus.command WHERE domain = ${domain} ORDER BY msg_id`);

  const messagesIn = (queue: string) =>
    db().pool.any(
      sql.type(queuedMessage)`
        SELECT msg_id, message FROM ${sql.identifier(['pgmq', `q_${queue}`])} ORDER BY msg_id`,
    );

  const sentAuditCount = (domain: string, commandId: string) =>
    db().pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM commandbus.audit
       WHERE domain = ${domain} AND command_id = ${commandId} AND event_type = 'SENT'`);

  it('one command from flags: --json names its id, and its row, message and SENT audit row exist', async () => {
    const domain = 'cli_flags';
    const correlationId = randomUUID();
    const run = await send([
      '--domain',
      domain,
      '--type',
      'cli.Note',
      '--data',
      '{"text":"hello"}',
      '--correlation-id',
      correlationId,
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result, ...others] = sendResults.parse(JSON.parse(run.stdout));
    expect(others).toEqual([]);
    expect(result?.duplicate).toBe(false);
    const { commandId, msgId } = result!;

    expect(await commandsOf(domain)).toEqual([
      {
        command_id: commandId,
        command_type: 'cli.Note',
        status: 'PENDING',
        msg_id: BigInt(msgId!),
        queue_name: `${domain}__commands`,
        reply_queue: '',
        correlation_id: correlationId,
      },
    ]);
    const messages = await messagesIn(`${domain}__commands`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      msg_id: BigInt(msgId!),
      message: {
        command_id: commandId,
        domain,
        command_type: 'cli.Note',
        data: { text: 'hello' },
        correlation_id: correlationId,
        reply_to: null,
        batch_id: null,
      },
    });
    expect(await sentAuditCount(domain, commandId)).toBe(1);
  });

  it('many commands from --file: every line is sent with its own id and reply queue; sent again, the given ids are duplicates', async () => {
    const domain = 'cli_file';
    const inbox = 'cli_file_inbox';
    await db().pool.query(sql.unsafe`SELECT pgmq.create(${inbox})`);
    const givenId = randomUUID();
    const correlationId = randomUUID();
    const file = path.join(scratch, 'commands.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({
          command_type: 'cli.Charge',
          data: { amount: 1 },
          command_id: givenId,
          correlation_id: correlationId,
        }),
        '',
        JSON.stringify({ command_type: 'cli.Charge', data: { amount: 2 }, reply_to: inbox }),
        JSON.stringify({ command_type: 'cli.Refund' }),
      ].join('\n'),
    );

    const first = await send(['--domain', domain, '--file', file]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const rows = await commandsOf(domain);
    expect(rows.map((r) => [r.command_type, r.reply_queue])).toEqual([
      ['cli.Charge', ''],
      ['cli.Charge', inbox],
      ['cli.Refund', ''],
    ]);
    expect(rows[0]).toMatchObject({ command_id: givenId, correlation_id: correlationId });
    // For people: one line per command, in file order, then the totals.
    expect(first.stdout.trim().split('\n')).toEqual([
      ...rows.map((r) => `${r.command_id}  sent as message ${r.msg_id}`),
      '3 sent, 0 duplicates',
    ]);
    const messages = await messagesIn(`${domain}__commands`);
    expect(messages.map((m) => [m.msg_id, m.message.command_id, m.message.data])).toEqual([
      [rows[0]?.msg_id, givenId, { amount: 1 }],
      [rows[1]?.msg_id, rows[1]?.command_id, { amount: 2 }],
      [rows[2]?.msg_id, rows[2]?.command_id, {}],
    ]);
    expect(messages[1]?.message.reply_to).toBe(inbox);
    for (const row of rows) expect(await sentAuditCount(domain, row.command_id)).toBe(1);

    const again = await send(['--domain', domain, '--file', file, '--json']);
    expect(again.code).toBe(0);
    // The notice is for people, on stderr; stdout is only the JSON.
    expect(again.stderr).toContain('duplicate command ignored');
    const results = sendResults.parse(JSON.parse(again.stdout));
    expect(results[0]).toEqual({ commandId: givenId, msgId: null, duplicate: true });
    // The lines without a command_id get new ids: they are new commands.
    expect(results.slice(1).map((r) => r.duplicate)).toEqual([false, false]);
    expect(await commandsOf(domain)).toHaveLength(5);
    expect(await messagesIn(`${domain}__commands`)).toHaveLength(5);
    expect(await sentAuditCount(domain, givenId)).toBe(1);
  });

  it("--reply names the domain's reply queue, where the reply arrives once a worker has handled the command", async () => {
    const domain = 'cli_reply';
    const replies = `${domain}__replies`;
    const run = await send([
      '--domain',
      domain,
      '--type',
      'demo.ReserveStock',
      '--data',
      '{"orderId":"order-7","sku":"sku-1","quantity":2}',
      '--reply',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result] = sendResults.parse(JSON.parse(run.stdout));
    const commandId = result!.commandId;
    expect((await commandsOf(domain))[0]).toMatchObject({
      command_id: commandId,
      reply_queue: replies,
    });
    expect((await messagesIn(`${domain}__commands`))[0]?.message.reply_to).toBe(replies);
    // The send created the reply queue; nothing is in it before the command runs.
    expect(await messagesIn(replies)).toEqual([]);

    const pool = await openPool(db().url, { maximumPoolSize: 4 });
    const worker = registerDemoHandlers(
      new Worker({
        pool,
        domain,
        logger: pino({ level: 'silent' }),
        pollIntervalMs: 100,
      }),
    );
    await worker.start();
    try {
      const [reply, ...more] = await waitFor(
        async () => {
          const queued = await messagesIn(replies);
          return queued.length > 0 ? queued : undefined;
        },
        { timeoutMs: 30_000, description: 'the reply in the reply queue' },
      );
      expect(more).toEqual([]);
      expect(replyEnvelopeSchema.parse(reply?.message)).toMatchObject({
        command_id: commandId,
        domain,
        command_type: 'demo.ReserveStock',
        outcome: 'SUCCESS',
        data: { reservationId: 'res-order-7' },
        error: null,
      });
    } finally {
      await worker.stop();
      await pool.end();
    }
    expect((await commandsOf(domain))[0]?.status).toBe('COMPLETED');
  });
});
