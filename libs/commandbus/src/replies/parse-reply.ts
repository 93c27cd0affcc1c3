// Turns a message of a reply queue into the reply a sender reads: the envelope
// checked, and SUCCESS data parsed with the reply schema of its command type.
import type { CommandData, CommandDefinition, ReplyOf } from '../command-definition.ts';
import { replyEnvelopeSchema } from '../envelope.ts';

interface ReplyFields {
  readonly msgId: number;
  readonly commandId: string;
  readonly correlationId: string | null;
  readonly domain: string;
  readonly commandType: string;
  readonly finishedAt: string;
}

/** The handler (or the operator) completed the command. */
export interface SuccessReply<TData> extends ReplyFields {
  readonly outcome: 'SUCCESS';
  /** Parsed with the definition's reply schema; null when the command completed without data. */
  readonly data: TData | null;
}

/** The handler or the operator canceled it, or it failed for good. */
export interface FailureReply extends ReplyFields {
  readonly outcome: 'CANCELED' | 'FAILED';
  readonly error: { readonly type: string; readonly code: string; readonly message: string };
}

/**
 * A message the reader cannot hand over as a reply: not a reply envelope, a
 * command type it was not given, or data its reply schema rejects. The reader
 * archives it (pgmq.archive), so it is kept, never silently deleted.
 */
export interface InvalidReply {
  readonly outcome: 'INVALID';
  readonly msgId: number;
  /** Why it is invalid, naming the offending field. */
  readonly reason: string;
  /** The message as it came. */
  readonly message: unknown;
}

/** What a ReplyReader hands its callback for definitions `TDefinition`. */
export type Reply<TDefinition extends AnyDefinition = AnyDefinition> =
  SuccessReply<Exclude<ReplyOf<TDefinition>, void>> | FailureReply | InvalidReply;

export type AnyDefinition = CommandDefinition<CommandData, CommandData | void>;

export function parseReply(
  msgId: number,
  message: unknown,
  definitions: ReadonlyMap<string, AnyDefinition>,
): Reply {
  const invalid = (reason: string): InvalidReply => ({
    outcome: 'INVALID',
    msgId,
    reason,
    message,
  });
  const parsed = replyEnvelopeSchema.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      `not a reply envelope: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const envelope = parsed.data;
  const definition = definitions.get(envelope.command_type);
  if (!definition)
    return invalid(`command_type ${envelope.command_type} is not one this reader reads`);
  const fields: ReplyFields = {
    msgId,
    commandId: envelope.command_id,
    correlationId: envelope.correlation_id,
    domain: envelope.domain,
    commandType: envelope.command_type,
    finishedAt: envelope.finished_at,
  };
  if (envelope.outcome !== 'SUCCESS') {
    if (!envelope.error) return invalid(`a ${envelope.outcome} reply without error`);
    return { ...fields, outcome: envelope.outcome, error: envelope.error };
  }
  if (envelope.data === null || !definition.reply) {
    return { ...fields, outcome: 'SUCCESS', data: envelope.data };
  }
  const data = definition.reply.safeParse(envelope.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return invalid(
      `data does not match the reply of ${definition.type}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return { ...fields, outcome: 'SUCCESS', data: data.data ?? null };
}
