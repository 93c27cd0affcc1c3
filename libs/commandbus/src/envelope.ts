// The JSON that travels through PGMQ (docs/lifecycle.md, "Envelopes"), validated
// with zod on both sides so a malformed message is caught, never half-used.
// What this bus writes carries every field of both shapes a shared database
// sees (docs/python-interop.md); what it reads may be either shape.
import { z } from 'zod';
import { UUID_PATTERN } from '@commandbus/commandbus-schema';

const queueNameSchema = z.string().min(1).max(47);

/**
 * A UUID as the producer accepts it (any 8-4-4-4-12 hex, either case; zod's
 * stricter RFC 9562 check would turn an id the producer took into an
 * INVALID_MESSAGE), read back in lower case, the spelling PostgreSQL uses.
 */
const uuidSchema = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID (8-4-4-4-12 hex digits)')
  .transform((id) => id.toLowerCase());

export const commandEnvelopeSchema = z.object({
  command_id: uuidSchema,
  domain: z.string().min(1),
  command_type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  correlation_id: uuidSchema.nullable(),
  reply_to: queueNameSchema.nullable(),
  batch_id: uuidSchema.nullable(),
  created_at: z.iso.datetime({ offset: true }),
});
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

/**
 * A command message as a worker or an operator retry reads it: ours, or the
 * Python command bus's, which has no `batch_id` or `created_at` and names
 * `reply_to` only when a reply is wanted. What is missing comes from the
 * command row (`completeEnvelope`).
 */
export const incomingEnvelopeSchema = commandEnvelopeSchema.extend({
  reply_to: queueNameSchema.nullable().optional(),
  batch_id: uuidSchema.nullable().optional(),
  created_at: z.iso.datetime({ offset: true }).optional(),
});
export type IncomingEnvelope = z.infer<typeof incomingEnvelopeSchema>;

/** The fields of the command row an incoming envelope is checked against and completed from. */
export interface EnvelopeRow {
  readonly commandType: string;
  readonly replyQueue: string | null;
  readonly correlationId: string | null;
  readonly batchId: string | null;
  readonly createdAt: Date;
}

export interface CompletedEnvelope {
  /** The envelope with every field, the row's values where the message had none. */
  readonly envelope: CommandEnvelope;
  /** Why the message cannot be this command's, or null. */
  readonly disagreement: string | null;
  /**
   * The message's correlation_id when it differs from the row's. Not a
   * disagreement: the Python producer draws the id twice for a batch, so its
   * messages may carry another one than its rows. The row wins.
   */
  readonly messageCorrelationId: string | null;
}

/**
 * Checks an incoming envelope against its command row and fills in what it
 * left out. The row is the truth: the producer validated it (a reply queue
 * of the sending domain, a known command type), and a message inserted
 * straight into the queue must not run another handler for a known command
 * or send its reply into another domain's queue. A field the message has
 * must agree with the row, except correlation_id, where the row wins.
 */
export function completeEnvelope(incoming: IncomingEnvelope, row: EnvelopeRow): CompletedEnvelope {
  const fields: readonly [string, string | null | undefined, string | null][] = [
    ['command_type', incoming.command_type, row.commandType],
    ['reply_to', incoming.reply_to, row.replyQueue],
    ['batch_id', incoming.batch_id, row.batchId],
  ];
  const differing = fields.filter(
    ([, inMessage, inRow]) => inMessage !== undefined && inMessage !== inRow,
  );
  const disagreement =
    differing.length === 0
      ? null
      : `the message disagrees with its command row on ${differing
          .map(
            ([name, inMessage, inRow]) =>
              `${name} (${JSON.stringify(inMessage)} vs ${JSON.stringify(inRow)})`,
          )
          .join(', ')}`;
  return {
    envelope: {
      command_id: incoming.command_id,
      domain: incoming.domain,
      command_type: incoming.command_type,
      data: incoming.data,
      correlation_id: row.correlationId,
      reply_to: row.replyQueue,
      batch_id: row.batchId,
      created_at: incoming.created_at ?? row.createdAt.toISOString(),
    },
    disagreement,
    messageCorrelationId:
      incoming.correlation_id === row.correlationId ? null : incoming.correlation_id,
  };
}

export const REPLY_OUTCOMES = ['SUCCESS', 'CANCELED', 'FAILED'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];

const replyErrorSchema = z.object({ type: z.string(), code: z.string(), message: z.string() });
export type ReplyError = z.infer<typeof replyErrorSchema>;

/**
 * The reply this bus writes: its own fields (`data`, `error`) and the Python
 * command bus's beside them (`result`; `error_code` and `error_message`;
 * `reason` of a cancel), so readers of either library find what they look for.
 */
export const replyEnvelopeSchema = z.object({
  command_id: uuidSchema,
  correlation_id: uuidSchema.nullable(),
  domain: z.string().min(1),
  command_type: z.string().min(1),
  outcome: z.enum(REPLY_OUTCOMES),
  data: z.record(z.string(), z.unknown()).nullable(),
  error: replyErrorSchema.nullable(),
  finished_at: z.iso.datetime({ offset: true }),
  result: z.record(z.string(), z.unknown()).nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  reason: z.string().optional(),
});
export type ReplyEnvelope = z.infer<typeof replyEnvelopeSchema>;

/**
 * A reply as a ReplyReader reads it: ours, or the Python command bus's
 * `{command_id, correlation_id, outcome, result}` (with `reason` on a cancel,
 * the error inside `result` on a business-rule failure). Fields only one
 * shape has are optional; `parseReply` turns either into one reply.
 */
export const incomingReplySchema = z.object({
  command_id: uuidSchema,
  correlation_id: uuidSchema.nullable().optional(),
  domain: z.string().min(1).optional(),
  command_type: z.string().min(1).optional(),
  outcome: z.enum(REPLY_OUTCOMES),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  result: z.record(z.string(), z.unknown()).nullable().optional(),
  error: replyErrorSchema.nullable().optional(),
  error_code: z.string().nullable().optional(),
  error_message: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  finished_at: z.iso.datetime({ offset: true }).optional(),
});
export type IncomingReply = z.infer<typeof incomingReplySchema>;

/** What a finished command's reply says, before the shared fields are added. */
export interface ReplyContent {
  readonly outcome: ReplyOutcome;
  readonly data?: Record<string, unknown> | null;
  readonly error?: ReplyError | null;
  /** A business-rule failure's details (the Python shape's `error_details`). */
  readonly errorDetails?: Record<string, unknown> | null;
}

export interface ReplyAddress {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly correlationId: string | null;
}

/** The reply envelope with both shapes' fields. */
export function buildReplyEnvelope(target: ReplyAddress, content: ReplyContent): ReplyEnvelope {
  const data = content.data ?? null;
  const error = content.error ?? null;
  const envelope: ReplyEnvelope = {
    command_id: target.commandId,
    correlation_id: target.correlationId,
    domain: target.domain,
    command_type: target.commandType,
    outcome: content.outcome,
    data,
    error,
    finished_at: new Date().toISOString(),
    // A Python reader finds a failure's error inside `result`.
    result:
      content.outcome === 'FAILED' && error
        ? {
            error_code: error.code,
            error_message: error.message,
            error_details: content.errorDetails ?? {},
          }
        : data,
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
  };
  return content.outcome === 'CANCELED' && error
    ? { ...envelope, reason: error.message }
    : envelope;
}

/** Just enough of a broken message to find its command, when that much is there. */
export const commandIdProbeSchema = z.object({ command_id: uuidSchema });
