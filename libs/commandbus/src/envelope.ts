// The JSON that travels through PGMQ (lifecycle.md "Envelopes"), validated
// with zod on both sides so a malformed message is caught, never half-used.
import { z } from 'zod';

const queueNameSchema = z.string().min(1).max(47);

export const commandEnvelopeSchema = z.object({
  command_id: z.uuid(),
  domain: z.string().min(1),
  command_type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  correlation_id: z.uuid().nullable(),
  reply_to: queueNameSchema.nullable(),
  batch_id: z.uuid().nullable(),
  created_at: z.iso.datetime({ offset: true }),
});
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

export const REPLY_OUTCOMES = ['SUCCESS', 'CANCELED', 'FAILED'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];

export const replyEnvelopeSchema = z.object({
  command_id: z.uuid(),
  correlation_id: z.uuid().nullable(),
  domain: z.string().min(1),
  command_type: z.string().min(1),
  outcome: z.enum(REPLY_OUTCOMES),
  data: z.record(z.string(), z.unknown()).nullable(),
  error: z.object({ type: z.string(), code: z.string(), message: z.string() }).nullable(),
  finished_at: z.iso.datetime({ offset: true }),
});
export type ReplyEnvelope = z.infer<typeof replyEnvelopeSchema>;

/** Just enough of a broken message to find its command, when that much is there. */
export const commandIdProbeSchema = z.object({ command_id: z.uuid() });
