// The shape of a PGMQ message (pgmq.message_record) as rows arrive and as the
// client hands them out.
import { z } from 'zod';
import { safeIntegerSchema, timestampSchema } from './column-values.ts';

/** One message as returned by read, readWithPoll, pop and setVt. */
export interface PgmqMessage {
  readonly msgId: number;
  /** How many times the message was read, this read included. */
  readonly readCount: number;
  readonly enqueuedAt: Date;
  /** When the message becomes visible again (the end of the current lease). */
  readonly vt: Date;
  /** The JSON payload as sent; parse it with a schema of your own. */
  readonly message: unknown;
  /** The JSON headers as sent, or null when none were. */
  readonly headers: unknown;
}

/** A pgmq.message_record row; the column list every message query selects. */
export const messageRowSchema = z.object({
  msg_id: safeIntegerSchema,
  read_ct: safeIntegerSchema,
  enqueued_at: timestampSchema,
  vt: timestampSchema,
  message: z.unknown(),
  headers: z.unknown(),
});

/**
 * slonik applies `sql.type` schemas only when the pool has a result-parsing
 * interceptor, so rows are parsed here explicitly: the client behaves the same
 * on any pool (and the idempotent column schemas survive a second parse).
 */
export function toPgmqMessage(row: unknown): PgmqMessage {
  const parsed = messageRowSchema.parse(row);
  return {
    msgId: parsed.msg_id,
    readCount: parsed.read_ct,
    enqueuedAt: parsed.enqueued_at,
    vt: parsed.vt,
    message: parsed.message ?? null,
    headers: parsed.headers ?? null,
  };
}
