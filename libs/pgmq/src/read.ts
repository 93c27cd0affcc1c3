// Leasing messages: pgmq.read, pgmq.read_with_poll and pgmq.pop. A read
// message stays in the queue, invisible for `vt` seconds; delete or archive it
// before the lease ends, or it is delivered again with readCount + 1.
import { sql, type CommonQueryMethods } from 'slonik';
import { DEFAULT_MAX_POLL_SECONDS, DEFAULT_POLL_INTERVAL_MS, NO_CONDITION } from './defaults.ts';
import { requireConditional, requirePositiveInt, requireSeconds } from './input.ts';
import { messageRowSchema, toPgmqMessage, type PgmqMessage } from './message-schema.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface ReadInput {
  readonly queue: string;
  /** Lease length in whole seconds. */
  readonly vt: number;
  /** At most this many messages (at least 1). */
  readonly qty: number;
  /** Only messages whose JSON contains this object (`message @> conditional`). Default: all. */
  readonly conditional?: Readonly<Record<string, unknown>>;
}

export interface ReadWithPollInput extends ReadInput {
  /** Keep trying this long while the queue is empty. Default 5 s. */
  readonly maxPollSeconds?: number;
  /** Pause between tries. Default 100 ms. */
  readonly pollIntervalMs?: number;
}

export interface PopInput {
  readonly queue: string;
}

const MESSAGE_COLUMNS = sql.fragment`msg_id, read_ct, enqueued_at, vt, message, headers`;

/** Leases up to `qty` visible messages, lowest msg id first; [] when none is visible. */
export async function read(db: CommonQueryMethods, input: ReadInput): Promise<PgmqMessage[]> {
  const queue = validateQueueName(input.queue);
  const vt = requireSeconds('vt', input.vt);
  const qty = requirePositiveInt('qty', input.qty);
  const conditional = requireConditional('conditional', input.conditional ?? NO_CONDITION);
  const rows = await onQueue(queue, () =>
    db.any(sql.type(messageRowSchema)`
      SELECT ${MESSAGE_COLUMNS}
      FROM pgmq.read(${queue}::text, ${vt}::integer, ${qty}::integer, ${conditional}::jsonb)
      ORDER BY msg_id
    `),
  );
  return rows.map(toPgmqMessage);
}

/**
 * As `read`, but waits in the database for a message to arrive, up to
 * `maxPollSeconds`. Holds one connection for that long.
 */
export async function readWithPoll(
  db: CommonQueryMethods,
  input: ReadWithPollInput,
): Promise<PgmqMessage[]> {
  const queue = validateQueueName(input.queue);
  const vt = requireSeconds('vt', input.vt);
  const qty = requirePositiveInt('qty', input.qty);
  const maxPollSeconds = requireSeconds(
    'maxPollSeconds',
    input.maxPollSeconds ?? DEFAULT_MAX_POLL_SECONDS,
  );
  const pollIntervalMs = requirePositiveInt(
    'pollIntervalMs',
    input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  );
  const conditional = requireConditional('conditional', input.conditional ?? NO_CONDITION);
  const rows = await onQueue(queue, () =>
    db.any(sql.type(messageRowSchema)`
      SELECT ${MESSAGE_COLUMNS}
      FROM pgmq.read_with_poll(
        ${queue}::text, ${vt}::integer, ${qty}::integer,
        ${maxPollSeconds}::integer, ${pollIntervalMs}::integer, ${conditional}::jsonb
      )
      ORDER BY msg_id
    `),
  );
  return rows.map(toPgmqMessage);
}

/** Takes the oldest visible message off the queue (read and delete in one); null when none. */
export async function pop(db: CommonQueryMethods, input: PopInput): Promise<PgmqMessage | null> {
  const queue = validateQueueName(input.queue);
  const row = await onQueue(queue, () =>
    db.maybeOne(sql.type(messageRowSchema)`
      SELECT ${MESSAGE_COLUMNS} FROM pgmq.pop(${queue}::text)
    `),
  );
  return row === null ? null : toPgmqMessage(row);
}
