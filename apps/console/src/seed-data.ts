// Fills a database with commands as the bus leaves them — statuses, audit
// rows, batches, archived payloads, waiting PGMQ messages — in set-based
// chunks, for the console's benchmark and for trying the console on volume.
// Rows are written with SQL, not sent through a producer: a million sends
// would measure the producer, not the console.
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { commandQueueName, replyQueueName } from '@commandbus/commandbus/internals';

export interface SeedOptions {
  readonly commands: number;
  /** Commands seeded before (a resumed run continues after them). Default 0. */
  readonly offset?: number;
  /** Default ['bench', 'billing']: four fifths go to the first. */
  readonly domains?: readonly string[];
  /** Spread of created_at back from now, in days. Default 30. */
  readonly days?: number;
  readonly onProgress?: (seeded: number) => void;
}

const CHUNK = 100_000;
const TYPES = ['Ship', 'Charge', 'Email', 'Refund', 'Restock'];
const COMMANDS_PER_BATCH = 100;

/** Per mille of commands in each status (the rest are COMPLETED). */
const SHARES = { canceled: 20, troubleshooting: 10, pending: 5, inProgress: 1 } as const;

export async function seedConsoleData(pool: DatabasePool, options: SeedOptions): Promise<void> {
  const domains = options.domains ?? ['bench', 'billing'];
  const days = options.days ?? 30;
  const offset = options.offset ?? 0;
  const total = offset + options.commands;
  for (const domain of domains) {
    for (const queue of [commandQueueName(domain), replyQueueName(domain)]) {
      await pool.query(sql.unsafe`SELECT pgmq.create(${queue})`);
    }
  }
  const domainArray = sql.array([...domains], 'text');
  const typeArray = sql.array(TYPES, 'text');
  // Batches exist before their commands (foreign key); counters come last.
  await pool.query(sql.unsafe`
    INSERT INTO commandbus.batch (domain, batch_id, name, status, created_at)
    SELECT d, md5(d || b::text)::uuid, 'seeded batch ' || b, 'PENDING',
           now() - ((${total} - b * ${COMMANDS_PER_BATCH})::float8 / ${total}) * make_interval(days => ${days})
      FROM unnest(${domainArray}::text[]) AS d
     CROSS JOIN generate_series(0, ${Math.floor(total / COMMANDS_PER_BATCH)}::int) AS b
     WHERE b % 10 = 0
    ON CONFLICT DO NOTHING
  `);
  for (let start = offset + 1; start <= total; start += CHUNK) {
    const end = Math.min(total, start + CHUNK - 1);
    await pool.transaction(async (tx) => {
      // i decides everything: domain (4 of 5 in the first), type, status,
      // creation time (older for smaller i), batch (every command of a
      // hundred-command block with i % 10 = 0).
      await tx.query(sql.unsafe`
        WITH src AS (
          SELECT i,
                 (${domainArray}::text[])[CASE WHEN i % 5 = 0 AND cardinality(${domainArray}::text[]) > 1 THEN 2 ELSE 1 END] AS domain,
                 (i::bigint * 7919) % 1000 AS r,
                 now() - ((${total} - i)::float8 / ${total}) * make_interval(days => ${days}) AS created
            FROM generate_series(${start}::int, ${end}::int) AS i
        ), shaped AS (
          SELECT i, domain, created,
                 CASE WHEN r < ${SHARES.canceled} THEN 'CANCELED'
                      WHEN r < ${SHARES.canceled + SHARES.troubleshooting} THEN 'IN_TROUBLESHOOTING_QUEUE'
                      WHEN r < ${SHARES.canceled + SHARES.troubleshooting + SHARES.pending} THEN 'PENDING'
                      WHEN r < ${SHARES.canceled + SHARES.troubleshooting + SHARES.pending + SHARES.inProgress} THEN 'IN_PROGRESS'
                      ELSE 'COMPLETED' END AS status
            FROM src
        ), inserted AS (
          INSERT INTO commandbus.command (domain, queue_name, msg_id, command_id, command_type, status,
            attempts, max_attempts, last_error_type, last_error_code, last_error_msg,
            created_at, updated_at, reply_queue, correlation_id, batch_id)
          SELECT domain, domain || '__commands', i, gen_random_uuid(),
                 domain || '.' || (${typeArray}::text[])[1 + i % ${TYPES.length}], status,
                 CASE WHEN status = 'PENDING' THEN 0 ELSE 1 END, 3,
                 CASE WHEN status = 'IN_TROUBLESHOOTING_QUEUE' THEN 'PERMANENT' END,
                 CASE WHEN status = 'IN_TROUBLESHOOTING_QUEUE' THEN 'SEEDED_FAILURE' END,
                 CASE WHEN status = 'IN_TROUBLESHOOTING_QUEUE' THEN 'seeded failure of command ' || i END,
                 created, created + interval '40 milliseconds',
                 CASE WHEN i % 2 = 0 THEN domain || '__replies' ELSE '' END,
                 CASE WHEN i % 3 = 0 THEN gen_random_uuid() END,
                 CASE WHEN (i / ${COMMANDS_PER_BATCH}) % 10 = 0
                      THEN md5(domain || (i / ${COMMANDS_PER_BATCH})::text)::uuid END
            FROM shaped
          RETURNING domain, command_id, status, created_at, msg_id
        )
        INSERT INTO commandbus.audit (domain, command_id, event_type, ts, details_json)
        SELECT c.domain, c.command_id, e.event_type, c.created_at + e.offset_ms * interval '1 millisecond',
               jsonb_build_object('msg_id', c.msg_id, 'attempt', 1)
          FROM inserted AS c
         CROSS JOIN LATERAL (VALUES
           ('SENT', 0),
           (CASE WHEN c.status <> 'PENDING' THEN 'RECEIVED' END, 10),
           (CASE c.status WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'CANCELED' THEN 'CANCELED'
                          WHEN 'IN_TROUBLESHOOTING_QUEUE' THEN 'MOVED_TO_TROUBLESHOOTING_QUEUE' END, 40)
         ) AS e(event_type, offset_ms)
         WHERE e.event_type IS NOT NULL
      `);
    });
    options.onProgress?.(end);
  }
  for (const domain of domains) {
    await pool.query(sql.unsafe`
      INSERT INTO commandbus.payload_archive (domain, command_id, payload_json, archived_at)
      SELECT domain, command_id,
             jsonb_build_object('domain', domain, 'command_id', command_id, 'command_type', command_type,
               'data', jsonb_build_object('seeded', true), 'created_at', created_at,
               'reply_to', NULLIF(reply_queue, ''), 'correlation_id', correlation_id, 'batch_id', batch_id),
             updated_at
        FROM commandbus.command
       WHERE domain = ${domain} AND status = 'IN_TROUBLESHOOTING_QUEUE'
      ON CONFLICT DO NOTHING
    `);
    // The waiting commands get real messages, so the queue figures are real.
    await pool.query(sql.unsafe`
      WITH waiting AS (
        SELECT command_id, command_type, created_at, row_number() OVER (ORDER BY command_id) AS rn
          FROM commandbus.command WHERE domain = ${domain} AND status = 'PENDING'
      ), sent AS (
        SELECT msg_id, row_number() OVER (ORDER BY msg_id) AS rn
          FROM pgmq.send_batch(${commandQueueName(domain)}::text,
                 ARRAY(SELECT jsonb_build_object('domain', ${domain}::text, 'command_id', command_id,
                         'command_type', command_type, 'data', jsonb_build_object('seeded', true),
                         'created_at', created_at) FROM waiting ORDER BY rn)::jsonb[]) AS s(msg_id)
      )
      UPDATE commandbus.command AS c SET msg_id = sent.msg_id
        FROM waiting JOIN sent USING (rn)
       WHERE c.domain = ${domain} AND c.command_id = waiting.command_id
    `);
    await pool.query(sql.unsafe`
      UPDATE commandbus.batch AS b
         SET status = CASE WHEN agg.open > 0 THEN 'IN_PROGRESS'
                           WHEN agg.failed > 0 THEN 'COMPLETED_WITH_FAILURES'
                           ELSE 'COMPLETED' END,
             total_count = agg.total, completed_count = agg.completed,
             canceled_count = agg.canceled, in_troubleshooting_count = agg.failed,
             started_at = agg.started, completed_at = CASE WHEN agg.open = 0 THEN agg.finished END
        FROM (
          SELECT batch_id, count(*) AS total,
                 count(*) FILTER (WHERE status IN ('PENDING', 'IN_PROGRESS')) AS open,
                 count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
                 count(*) FILTER (WHERE status = 'CANCELED') AS canceled,
                 count(*) FILTER (WHERE status = 'IN_TROUBLESHOOTING_QUEUE') AS failed,
                 min(created_at) AS started, max(updated_at) AS finished
            FROM commandbus.command
           WHERE domain = ${domain} AND batch_id IS NOT NULL
           GROUP BY batch_id
        ) AS agg
       WHERE b.domain = ${domain} AND b.batch_id = agg.batch_id
    `);
    await pool.query(
      sql.unsafe`DELETE FROM commandbus.batch WHERE domain = ${domain} AND total_count = 0`,
    );
  }
  await pool.query(sql.unsafe`ANALYZE commandbus.command`);
  await pool.query(sql.unsafe`ANALYZE commandbus.audit`);
  await pool.query(sql.unsafe`ANALYZE commandbus.batch`);
}

const countRow = z.object({ n: z.number() });

/** Commands in the seeded domains: a bench reuses a database that has them. */
export async function seededCount(
  pool: DatabasePool,
  domains: readonly string[] = ['bench', 'billing'],
): Promise<number> {
  const row = await pool.one(sql.unsafe`
    SELECT count(*)::int AS n FROM commandbus.command WHERE domain = ANY(${sql.array([...domains], 'text')})`);
  return countRow.parse(row).n;
}
