// How a delivery ends, each in the transaction it is given (docs/lifecycle.md,
// "How a delivery ends"). Every one is refused with SupersededDeliveryError
// unless this delivery is still the current attempt, by one rule
// (DELIVERY_OWNS_COMMAND in the schema lib): a delivery whose lease lapsed and
// that another worker took over must not settle the command.
import type { CommonQueryMethods } from 'slonik';
import {
  archivePayloads,
  completeCommands,
  failCommand,
  finishCommand,
  lockOwnedCommand,
  TROUBLESHOOTING_MOVE_EVENT,
  type CompletedCommand,
} from '@commandbus/commandbus-schema';
import { archive, setVt } from '@commandbus/pgmq';
import { sendReply, type ReplyTarget } from './reply.ts';

export interface Delivery extends ReplyTarget {
  readonly queue: string;
  readonly msgId: number;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly batchId: string | null;
}

export interface CommandFailure {
  readonly type: 'TRANSIENT' | 'PERMANENT';
  readonly code: string;
  readonly message: string;
}

/**
 * Locks the command for a failing delivery, or throws SupersededDeliveryError
 * when a newer delivery owns it. The success path gets the same answer from
 * completeCommands, whose UPDATE applies the same rule.
 */
async function claimCommand(tx: CommonQueryMethods, delivery: Delivery): Promise<void> {
  const owned = await lockOwnedCommand(tx, {
    domain: delivery.domain,
    commandId: delivery.commandId,
    attempt: delivery.attempt,
  });
  if (!owned) throw new SupersededDeliveryError(delivery.commandId, delivery.attempt);
}

/** A delivery whose lease lapsed and that a newer attempt took over: it must not finish. */
export class SupersededDeliveryError extends Error {
  constructor(commandId: string, attempt: number) {
    super(`command ${commandId}: attempt ${attempt} was superseded by a newer delivery`);
    this.name = 'SupersededDeliveryError';
  }
}

/**
 * Finishes the command in the handler's transaction, deletes its message and
 * replies. Throws SupersededDeliveryError when a newer delivery owns the
 * command, so the handler's writes roll back.
 */
export async function completeDelivery(
  tx: CommonQueryMethods,
  delivery: Delivery,
  replyData: Record<string, unknown> | null,
): Promise<CompletedCommand> {
  const [finished] = await completeCommands(tx, {
    domain: delivery.domain,
    queue: delivery.queue,
    deliveries: [
      { commandId: delivery.commandId, msgId: delivery.msgId, attempt: delivery.attempt },
    ],
  });
  if (!finished) throw new SupersededDeliveryError(delivery.commandId, delivery.attempt);
  await sendReply(tx, delivery, { outcome: 'SUCCESS', data: replyData });
  return finished;
}

export async function cancelDelivery(
  tx: CommonQueryMethods,
  delivery: Delivery,
  reason: string,
): Promise<boolean> {
  await claimCommand(tx, delivery);
  const batchCompleted = await finishCommand(tx, {
    domain: delivery.domain,
    commandId: delivery.commandId,
    status: 'CANCELED',
    eventType: 'CANCELED',
    details: { msg_id: delivery.msgId, attempt: delivery.attempt, reason },
  });
  await archive(tx, { queue: delivery.queue, msgId: delivery.msgId });
  await sendReply(tx, delivery, {
    outcome: 'CANCELED',
    error: { type: 'CANCELED', code: 'CANCELED_BY_HANDLER', message: reason },
  });
  return batchCompleted;
}

/** A business rule refused the command: FAILED at once, no retry, reply FAILED. */
export async function failDeliveryOnBusinessRule(
  tx: CommonQueryMethods,
  delivery: Delivery,
  failure: { readonly code: string; readonly message: string },
  details: Readonly<Record<string, unknown>>,
): Promise<boolean> {
  await claimCommand(tx, delivery);
  const batchCompleted = await finishCommand(tx, {
    domain: delivery.domain,
    commandId: delivery.commandId,
    status: 'FAILED',
    eventType: 'BUSINESS_RULE_FAILED',
    errorType: 'BUSINESS_RULE',
    errorCode: failure.code,
    errorMsg: failure.message,
    details: {
      msg_id: delivery.msgId,
      attempt: delivery.attempt,
      error_code: failure.code,
      error_msg: failure.message,
      error_details: details,
    },
  });
  await archive(tx, { queue: delivery.queue, msgId: delivery.msgId });
  await sendReply(tx, delivery, {
    outcome: 'FAILED',
    error: { type: 'BUSINESS_RULE', code: failure.code, message: failure.message },
    errorDetails: details,
  });
  return batchCompleted;
}

/** A transient failure with attempts left: the same message comes back after `delaySeconds`. */
export async function retryDeliveryLater(
  tx: CommonQueryMethods,
  delivery: Delivery,
  failure: CommandFailure,
  delaySeconds: number,
): Promise<void> {
  await claimCommand(tx, delivery);
  await failCommand(tx, {
    domain: delivery.domain,
    commandId: delivery.commandId,
    errorType: failure.type,
    errorCode: failure.code,
    errorMsg: failure.message,
    attempt: delivery.attempt,
    maxAttempts: delivery.maxAttempts,
    msgId: delivery.msgId,
  });
  await setVt(tx, { queue: delivery.queue, msgId: delivery.msgId, vt: delaySeconds });
}

/** A failing delivery's move to the troubleshooting queue, refused when it is superseded. */
export async function troubleshootDelivery(
  tx: CommonQueryMethods,
  delivery: Delivery,
  failure: CommandFailure,
  payload: unknown,
): Promise<boolean> {
  await claimCommand(tx, delivery);
  return moveDeliveryToTroubleshooting(tx, delivery, failure, payload);
}

/**
 * The payload is kept in commandbus.payload_archive, so an operator retry
 * never depends on PGMQ's archive retention. No reply: the operator's
 * decision produces it.
 */
export async function moveDeliveryToTroubleshooting(
  tx: CommonQueryMethods,
  delivery: Pick<Delivery, 'domain' | 'commandId' | 'queue' | 'msgId' | 'attempt'>,
  failure: CommandFailure,
  payload: unknown,
): Promise<boolean> {
  await archivePayloads(tx, [{ domain: delivery.domain, commandId: delivery.commandId, payload }]);
  await archive(tx, { queue: delivery.queue, msgId: delivery.msgId });
  return finishCommand(tx, {
    domain: delivery.domain,
    commandId: delivery.commandId,
    status: 'IN_TROUBLESHOOTING_QUEUE',
    eventType: TROUBLESHOOTING_MOVE_EVENT,
    errorType: failure.type,
    errorCode: failure.code,
    errorMsg: failure.message,
    details: { msg_id: delivery.msgId, attempt: delivery.attempt, error_code: failure.code },
  });
}
