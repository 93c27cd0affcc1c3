// Enqueueing: pgmq.send and pgmq.send_batch. Both work inside the caller's
// transaction, so a message and the business rows written with it commit or
// roll back together.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema } from './column-values.ts';
import { InvalidArgumentError } from './errors.ts';
import { requireDelay, toJsonText, toOptionalJsonText, type Delay } from './input.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface SendInput {
  readonly queue: string;
  /** Any JSON-serialisable value. */
  readonly message: unknown;
  /** Optional JSON headers, stored beside the message. */
  readonly headers?: unknown;
  /** Seconds from now (a whole number, default 0), or the moment it becomes visible. */
  readonly delay?: Delay;
}

export interface SendBatchInput {
  readonly queue: string;
  readonly messages: readonly unknown[];
  /** Headers per message: same length as `messages`; null entries mean none. */
  readonly headers?: readonly unknown[];
  /** One delay for the whole batch, as in `send`. */
  readonly delay?: Delay;
}

const msgIdRow = z.object({ msg_id: safeIntegerSchema });

/** Enqueues one message; returns its msg id. */
export async function send(db: CommonQueryMethods, input: SendInput): Promise<number> {
  const queue = validateQueueName(input.queue);
  const message = toJsonText('message', input.message);
  const headers = toOptionalJsonText('headers', input.headers);
  const delay = delayFragment(input.delay);
  const row = await onQueue(queue, () =>
    db.one(sql.type(msgIdRow)`
      SELECT msg_id
      FROM pgmq.send(${queue}::text, ${message}::jsonb, ${headers}::jsonb, ${delay}) AS sent(msg_id)
    `),
  );
  return msgIdRow.parse(row).msg_id;
}

/** Enqueues many messages in one INSERT; returns their msg ids in input order. */
export async function sendBatch(db: CommonQueryMethods, input: SendBatchInput): Promise<number[]> {
  const queue = validateQueueName(input.queue);
  if (!Array.isArray(input.messages)) {
    throw new InvalidArgumentError('messages', input.messages, 'must be an array');
  }
  const messages = input.messages.map((message: unknown, index) =>
    toJsonText(`messages[${index}]`, message),
  );
  let headers: (string | null)[] | null = null;
  if (input.headers !== undefined) {
    if (!Array.isArray(input.headers) || input.headers.length !== messages.length) {
      throw new InvalidArgumentError(
        'headers',
        input.headers,
        `must be an array of ${messages.length} entries, one per message`,
      );
    }
    headers = input.headers.map((value: unknown, index) =>
      toOptionalJsonText(`headers[${index}]`, value),
    );
  }
  const delay = delayFragment(input.delay);
  if (messages.length === 0) return [];

  const rows = await onQueue(queue, () =>
    db.any(sql.type(msgIdRow)`
      SELECT msg_id
      FROM pgmq.send_batch(
        ${queue}::text,
        ${sql.array(messages, 'jsonb')},
        ${headers === null ? sql.fragment`NULL::jsonb[]` : sql.array(headers, 'jsonb')},
        ${delay}
      ) AS sent(msg_id)
    `),
  );
  // PGMQ returns the ids in input order; sorting guards that promise, since
  // ids are drawn in insertion order and only grow.
  return rows.map((row) => msgIdRow.parse(row).msg_id).sort((a, b) => a - b);
}

// The explicit cast picks PGMQ's integer or timestamptz overload.
function delayFragment(value: Delay | undefined) {
  const delay = value === undefined ? 0 : requireDelay('delay', value);
  return delay instanceof Date
    ? sql.fragment`${delay.toISOString()}::timestamptz`
    : sql.fragment`${delay}::integer`;
}
