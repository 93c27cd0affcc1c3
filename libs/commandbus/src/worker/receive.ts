// The worker's read: one statement leases up to `qty` messages and receives
// their commands (docs/lifecycle.md, "Receiving and running a command"),
// then each message is checked. What can run goes back to the worker as a
// ready delivery; everything else is settled here: stale messages deleted,
// invalid ones archived, failed checks moved to the troubleshooting queue.
import type { Logger } from 'pino';
import {
  readAndReceiveCommands,
  receiveCommands,
  type ReadReceivedMessage,
  type ReceivedCommandRow,
} from '@commandbus/commandbus-schema';
import type { CommandData } from '../command-definition.ts';
import {
  completeEnvelope,
  incomingEnvelopeSchema,
  type CommandEnvelope,
  type IncomingEnvelope,
} from '../envelope.ts';
import type { RegisteredHandler } from './handler.ts';
import type { CommandFailure, Delivery } from './outcomes.ts';
import { deleteStale, guard, rejectInvalidMessage, troubleshoot } from './settle.ts';
import type { DeliveryOutcome, WorkerContext } from './worker-context.ts';

/** A received command whose handler may run: checked, with its data parsed. */
export interface ReadyDelivery {
  readonly delivery: Delivery;
  readonly envelope: CommandEnvelope;
  readonly registered: RegisteredHandler;
  readonly data: CommandData;
  /** The message's PGMQ headers: the send's trace context, when it carried one. */
  readonly headers: unknown;
  /** The delivery's logger (commandId, commandType, attempt), made on first use. */
  readonly logger: () => Logger;
}

export interface ReadResult {
  /** Messages the read leased. */
  readonly read: number;
  readonly ready: ReadyDelivery[];
  /** One promise per message settled here; none rejects. */
  readonly settling: Promise<DeliveryOutcome>[];
}

/** Reads and receives up to `qty` messages; throws only when the statement fails. */
export async function receive(ctx: WorkerContext, qty: number): Promise<ReadResult> {
  const leasedAt = performance.now();
  const messages = await readAndReceiveCommands(ctx.db, {
    domain: ctx.domain,
    queue: ctx.queue,
    vt: ctx.options.visibilityTimeoutSeconds,
    qty,
  });
  const late = await receiveLate(ctx, messages);
  const ready: ReadyDelivery[] = [];
  const settling: Promise<DeliveryOutcome>[] = [];
  const stale: { msgId: number; commandId: string }[] = [];
  for (const message of messages) {
    const envelope = checkEnvelope(ctx, message.message);
    const received =
      message.received ?? (message.commandId ? late.get(message.commandId) : undefined);
    if (received) {
      ctx.metrics?.received(received.commandType);
      const checked = checkReceived(ctx, message, received, envelope);
      if ('failure' in checked) {
        const { delivery, failure, logger } = checked;
        settling.push(
          guard(ctx, message.msgId, () =>
            troubleshoot(ctx, delivery, message.message, failure, logger),
          ),
        );
      } else {
        ctx.leases.hold(message.msgId, leasedAt, true);
        ready.push({ ...checked, headers: message.headers });
      }
    } else if (!envelope.ok || message.commandId === null) {
      const reason = envelope.ok ? 'no command id' : envelope.reason;
      settling.push(
        guard(ctx, message.msgId, () =>
          rejectInvalidMessage(ctx, message.msgId, message.message, reason),
        ),
      );
    } else {
      stale.push({ msgId: message.msgId, commandId: message.commandId });
    }
  }
  if (stale.length > 0) {
    const deleted = guard(ctx, stale[0]?.msgId ?? 0, () => deleteStale(ctx, stale));
    for (let i = 0; i < stale.length; i += 1) settling.push(deleted);
  }
  return { read: messages.length, ready, settling };
}

/**
 * The first messages of their commands that the read did not receive: stale,
 * or sent (or retried by an operator) in a transaction that committed between
 * the statement's snapshot and pgmq.read's. A second statement sees those
 * commits; what it does not receive is stale. Rare, so usually no statement.
 */
async function receiveLate(
  ctx: WorkerContext,
  messages: readonly ReadReceivedMessage[],
): Promise<Map<string, ReceivedCommandRow>> {
  const deliveries = messages.flatMap((m) =>
    !m.received && m.firstOfCommand && m.commandId
      ? [{ commandId: m.commandId, msgId: m.msgId }]
      : [],
  );
  if (deliveries.length === 0) return new Map();
  return receiveCommands(ctx.db, { domain: ctx.domain, deliveries });
}

type EnvelopeCheck = { ok: true; value: IncomingEnvelope } | { ok: false; reason: string };

function checkEnvelope(ctx: WorkerContext, message: unknown): EnvelopeCheck {
  // Ours or the Python command bus's shape; what the latter leaves out comes from the row.
  const parsed = incomingEnvelopeSchema.safeParse(message);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  }
  if (parsed.data.domain !== ctx.domain) {
    return { ok: false, reason: `envelope domain ${parsed.data.domain} is not ${ctx.domain}` };
  }
  return { ok: true, value: parsed.data };
}

/**
 * The checks between receive and handler, in the documented order. The
 * command row is the truth for the delivery's ids and reply queue; a failure
 * here settles the received command through the troubleshooting path, so a
 * message found invalid after the receive leaves nothing IN_PROGRESS.
 */
function checkReceived(
  ctx: WorkerContext,
  message: ReadReceivedMessage,
  row: ReceivedCommandRow,
  envelope: EnvelopeCheck,
):
  | Omit<ReadyDelivery, 'headers'>
  | { delivery: Delivery; failure: CommandFailure; logger: () => Logger } {
  const delivery: Delivery = {
    domain: ctx.domain,
    queue: ctx.queue,
    msgId: message.msgId,
    commandId: row.commandId,
    commandType: row.commandType,
    correlationId: row.correlationId,
    replyTo: row.replyQueue,
    batchId: row.batchId,
    attempt: row.attempts,
    maxAttempts: row.maxAttempts,
  };
  let child: Logger | undefined;
  const logger = (): Logger =>
    (child ??= ctx.logger.child({
      commandId: delivery.commandId,
      commandType: delivery.commandType,
      attempt: delivery.attempt,
    }));
  // A child logger per command costs more than the rest of its receive:
  // made only when something is logged.
  if (ctx.logger.isLevelEnabled('debug')) logger().debug('received');
  const fail = (failure: CommandFailure) => ({ delivery, failure, logger });
  if (!envelope.ok) {
    return fail({ type: 'PERMANENT', code: 'INVALID_MESSAGE', message: envelope.reason });
  }
  const completed = completeEnvelope(envelope.value, row);
  if (completed.disagreement) {
    return fail({ type: 'PERMANENT', code: 'INVALID_MESSAGE', message: completed.disagreement });
  }
  if (completed.messageCorrelationId !== null) {
    logger().warn(
      { messageCorrelationId: completed.messageCorrelationId, correlationId: row.correlationId },
      'the message carries another correlation_id than its command row; the row wins',
    );
  }
  if (delivery.attempt > delivery.maxAttempts) {
    // Only a delivery whose worker died (or whose lease lapsed) gets here:
    // without this, a message that crashes its worker would loop forever.
    return fail({
      type: 'TRANSIENT',
      code: 'MAX_ATTEMPTS_EXCEEDED',
      message: `delivered ${delivery.attempt} times, max_attempts is ${delivery.maxAttempts}`,
    });
  }
  const registered = ctx.handlers.get(delivery.commandType);
  if (!registered) {
    return fail({
      type: 'PERMANENT',
      code: 'NO_HANDLER',
      message: `no handler registered for command type ${delivery.commandType}`,
    });
  }
  const data = registered.definition.data.safeParse(envelope.value.data);
  if (!data.success) {
    return fail({
      type: 'PERMANENT',
      code: 'INVALID_DATA',
      message: `data does not match ${delivery.commandType}: ${data.error.issues[0]?.message ?? 'invalid'}`,
    });
  }
  return { delivery, envelope: completed.envelope, registered, data: data.data, logger };
}
