// Turns a message of a reply queue into the reply a sender reads: the envelope
// checked (ours or the Python command bus's), and SUCCESS data parsed with the
// reply schema of its command type.
import type { CommandData, CommandDefinition, ReplyOf } from '../command-definition.ts';
import { incomingReplySchema, type IncomingReply, type ReplyError } from '../envelope.ts';

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

/** The handler or the operator canceled it, or a business rule refused it. */
export interface FailureReply extends ReplyFields {
  readonly outcome: 'CANCELED' | 'FAILED';
  readonly error: { readonly type: string; readonly code: string; readonly message: string };
  /** A business-rule failure's details (`error_details`); empty otherwise. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * What a reply in the Python shape leaves out, taken from elsewhere: the
 * command row (domain, type) and the message's enqueue time (finished_at).
 */
export interface ReplyOrigin {
  readonly domain: string;
  readonly commandType: string;
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

/** The reply envelope of a message, or why it is none. */
export function parseReplyEnvelope(
  message: unknown,
): { envelope: IncomingReply } | { reason: string } {
  const parsed = incomingReplySchema.safeParse(message);
  if (parsed.success) return { envelope: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    reason: `not a reply envelope: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
  };
}

/**
 * `origin` fills in what a Python-shaped reply leaves out (domain and command
 * type, from the command row); `enqueuedAt` stands in for its finished_at.
 */
export function parseReply(
  msgId: number,
  message: unknown,
  definitions: ReadonlyMap<string, AnyDefinition>,
  origin?: ReplyOrigin | null,
  enqueuedAt?: Date,
): Reply {
  const invalid = (reason: string): InvalidReply => ({
    outcome: 'INVALID',
    msgId,
    reason,
    message,
  });
  const parsed = parseReplyEnvelope(message);
  if ('reason' in parsed) return invalid(parsed.reason);
  const envelope = parsed.envelope;
  const commandType = envelope.command_type ?? origin?.commandType;
  const domain = envelope.domain ?? origin?.domain;
  if (commandType === undefined || domain === undefined) {
    return invalid(`command ${envelope.command_id} of the reply is not a command of this domain`);
  }
  const definition = definitions.get(commandType);
  if (!definition) return invalid(`command_type ${commandType} is not one this reader reads`);
  const fields: ReplyFields = {
    msgId,
    commandId: envelope.command_id,
    correlationId: envelope.correlation_id ?? null,
    domain,
    commandType,
    finishedAt: envelope.finished_at ?? (enqueuedAt ?? new Date()).toISOString(),
  };
  if (envelope.outcome !== 'SUCCESS') {
    const failure = replyFailure(envelope);
    if (!failure) return invalid(`a ${envelope.outcome} reply without error`);
    return { ...fields, outcome: envelope.outcome, ...failure };
  }
  // `data` is ours; `result` is the Python shape's (ours carries both, equal).
  const replyData = envelope.data !== undefined ? envelope.data : (envelope.result ?? null);
  if (replyData === null || !definition.reply) {
    return { ...fields, outcome: 'SUCCESS', data: replyData };
  }
  const data = definition.reply.safeParse(replyData);
  if (!data.success) {
    const issue = data.error.issues[0];
    return invalid(
      `data does not match the reply of ${definition.type}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return { ...fields, outcome: 'SUCCESS', data: data.data ?? null };
}

/**
 * The error of a CANCELED or FAILED reply in either shape: our nested
 * `error`, else the Python fields (`error_code` / `error_message` at the top
 * or inside `result`, `reason` of a cancel).
 */
function replyFailure(
  envelope: IncomingReply,
): { error: ReplyError; details: Readonly<Record<string, unknown>> } | null {
  const nested = envelope.result ?? {};
  const details = isRecord(nested['error_details']) ? nested['error_details'] : {};
  if (envelope.error) return { error: envelope.error, details };
  const code = envelope.error_code ?? stringOrNull(nested['error_code']);
  const message =
    envelope.error_message ?? stringOrNull(nested['error_message']) ?? envelope.reason;
  if (envelope.outcome === 'CANCELED') {
    if (message === null || message === undefined) return null;
    // The Python command bus sends CANCELED only for an operator's cancel.
    return {
      error: { type: 'CANCELED', code: code ?? 'CANCELED_BY_OPERATOR', message },
      details,
    };
  }
  if (code === null) return null;
  return { error: { type: 'BUSINESS_RULE', code, message: message ?? '' }, details };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
