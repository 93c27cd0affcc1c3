// Turns what a caller asks to send into a validated envelope, before any SQL
// runs: bad input is rejected whole and nothing is written.
import { randomUUID } from 'node:crypto';
import { assertUuid } from '@commandbus/commandbus-schema';
import type { CommandData, CommandDefinition } from '../command-definition.ts';
import type { CommandEnvelope } from '../envelope.ts';
import { PayloadTooLargeError } from '../errors.ts';
import { resolveReplyQueue } from './reply-queue.ts';

export interface SendInput<TData extends CommandData = CommandData> {
  /** Client-chosen id that makes sending idempotent per domain. Default: a new UUID. */
  readonly commandId?: string;
  readonly data: TData;
  readonly correlationId?: string | null;
  /** `true`: the domain's reply queue; a string: that queue; omitted: no reply. */
  readonly replyTo?: string | true | null;
}

export interface PreparedCommand {
  readonly envelope: CommandEnvelope;
  readonly maxAttempts: number;
}

export interface PrepareContext {
  /** Checked once, when the producer was constructed. */
  readonly domain: string;
  readonly maxAttempts: number;
  readonly maxPayloadBytes: number;
  readonly batchId: string | null;
  /** `created_at` of every command of the call, ISO-8601. */
  readonly createdAt: string;
}

export function prepareCommand<TData extends CommandData>(
  definition: CommandDefinition<TData, CommandData | void>,
  input: SendInput<TData>,
  context: PrepareContext,
): PreparedCommand {
  // Ids are stored as PostgreSQL uuid, which reads back in lower case; the
  // envelope and every result must spell them the same way, or an id sent
  // in upper case is reported a duplicate and its message looks stale.
  // randomUUID's are canonical already; only a caller's id needs the check.
  const commandId =
    input.commandId == null ? randomUUID() : canonicalUuid('commandId', input.commandId);
  const correlationId =
    input.correlationId == null ? null : canonicalUuid('correlationId', input.correlationId);
  const data = definition.data.parse(input.data);
  const bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes > context.maxPayloadBytes) {
    throw new PayloadTooLargeError(commandId, bytes, context.maxPayloadBytes);
  }
  return {
    envelope: {
      command_id: commandId,
      domain: context.domain,
      command_type: definition.type,
      data,
      correlation_id: correlationId,
      reply_to: resolveReplyQueue(context.domain, input.replyTo),
      batch_id: context.batchId,
      created_at: context.createdAt,
    },
    maxAttempts: definition.maxAttempts ?? context.maxAttempts,
  };
}

/** The UUID in the one spelling PostgreSQL gives back: lower case. */
export function canonicalUuid(field: string, value: string): string {
  assertUuid(field, value);
  return value.toLowerCase();
}
