// The JSON that travels through PGMQ (docs/lifecycle.md, "Envelopes"), validated
// with zod on both sides so a malformed message is caught, never half-used.
import { z } from 'zod';
import { UUID_PATTERN, type ReceivedCommandRow } from '@commandbus/commandbus-schema';

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

export const REPLY_OUTCOMES = ['SUCCESS', 'CANCELED', 'FAILED'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];

export const replyEnvelopeSchema = z.object({
  command_id: uuidSchema,
  correlation_id: uuidSchema.nullable(),
  domain: z.string().min(1),
  command_type: z.string().min(1),
  outcome: z.enum(REPLY_OUTCOMES),
  data: z.record(z.string(), z.unknown()).nullable(),
  error: z.object({ type: z.string(), code: z.string(), message: z.string() }).nullable(),
  finished_at: z.iso.datetime({ offset: true }),
});
export type ReplyEnvelope = z.infer<typeof replyEnvelopeSchema>;

/** Just enough of a broken message to find its command, when that much is there. */
export const commandIdProbeSchema = z.object({ command_id: uuidSchema });

/**
 * Why a well-formed message cannot be the one its producer wrote beside the
 * command row, or null when they agree. The row is the truth: the producer
 * validated it (a reply queue of the sending domain, a known command type),
 * and a message inserted straight into the queue must not run another
 * handler for a known command or send its reply into another domain's queue.
 */
export function envelopeDisagreement(
  envelope: CommandEnvelope,
  row: ReceivedCommandRow,
): string | null {
  const fields: readonly [string, string | null, string | null][] = [
    ['command_type', envelope.command_type, row.commandType],
    ['reply_to', envelope.reply_to, row.replyQueue],
    ['correlation_id', envelope.correlation_id, row.correlationId],
    ['batch_id', envelope.batch_id, row.batchId],
  ];
  const differing = fields.filter(([, inMessage, inRow]) => inMessage !== inRow);
  if (differing.length === 0) return null;
  return `the message disagrees with its command row on ${differing
    .map(
      ([name, inMessage, inRow]) =>
        `${name} (${JSON.stringify(inMessage)} vs ${JSON.stringify(inRow)})`,
    )
    .join(', ')}`;
}
