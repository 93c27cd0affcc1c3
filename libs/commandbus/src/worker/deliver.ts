// One delivery of one message, from envelope check to outcome
// (docs/lifecycle.md, "Receiving and running a command"). Nothing in here
// throws to the worker loop: every failure ends in an outcome, or is logged
// and left to PGMQ's redelivery.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import {
  getCommand,
  receiveCommands,
  type CompletedCommand,
  type ReceivedCommandRow,
} from '@commandbus/commandbus-schema';
import {
  archive,
  createQueue,
  deleteMessage,
  QueueNotFoundError,
  type PgmqMessage,
} from '@commandbus/pgmq';
import type { CommandData } from '../command-definition.ts';
import {
  commandEnvelopeSchema,
  commandIdProbeSchema,
  envelopeDisagreement,
  type CommandEnvelope,
} from '../envelope.ts';
import { CancelCommandError, PermanentCommandError, TransientCommandError } from '../errors.ts';
import type { QueueRegistry } from '../queue-registry.ts';
import type { CompletionBatcher } from './completion-batcher.ts';
import type { HandlerContext, RegisteredHandler } from './handler.ts';
import type { HandlerSlot } from './handler-slots.ts';
import { LazyTransaction } from './lazy-transaction.ts';
import { extendLeaseWhileRunning } from './lease-extender.ts';
import {
  cancelDelivery,
  completeDelivery,
  moveDeliveryToTroubleshooting,
  retryDeliveryLater,
  SupersededDeliveryError,
  troubleshootDelivery,
  type CommandFailure,
  type Delivery,
} from './outcomes.ts';
import { retryDelaySeconds } from './retry-backoff.ts';

export interface BatchCompletedEvent {
  readonly domain: string;
  readonly batchId: string;
  readonly commandId: string;
}

export type DeliveryOutcome =
  'completed' | 'canceled' | 'retry' | 'troubleshooting' | 'stale' | 'invalid' | 'abandoned';

export interface DeliverDeps {
  readonly pool: DatabasePool;
  readonly domain: string;
  readonly queue: string;
  readonly handlers: ReadonlyMap<string, RegisteredHandler>;
  readonly logger: Logger;
  readonly visibilityTimeoutSeconds: number;
  readonly backoffSeconds: readonly number[];
  readonly extendLeases: boolean;
  readonly shutdownSignal: AbortSignal;
  readonly replyQueues: QueueRegistry;
  readonly completions: CompletionBatcher;
  readonly onBatchCompleted: (event: BatchCompletedEvent) => void;
}

/** A message just read, and the handler slot taken for it. */
export interface LeasedMessage {
  readonly message: PgmqMessage;
  readonly slot: HandlerSlot;
}

/**
 * Starts the delivery of one read's messages: envelopes are checked, the
 * valid ones received in one statement, then each runs on its own. One
 * promise per message, none of which rejects; each releases its slot at the
 * latest when it settles.
 */
export function startDeliveries(
  deps: DeliverDeps,
  leased: readonly LeasedMessage[],
): Promise<DeliveryOutcome>[] {
  const checked = leased.map(({ message, slot }) => ({
    message,
    slot,
    envelope: checkEnvelope(deps, message),
  }));
  const batch = new Map<string, PgmqMessage>();
  for (const { message, envelope } of checked) {
    if (envelope.ok && !batch.has(envelope.value.command_id))
      batch.set(envelope.value.command_id, message);
  }
  const received = receiveCommands(deps.pool, {
    domain: deps.domain,
    deliveries: [...batch].map(([commandId, message]) => ({ commandId, msgId: message.msgId })),
  });
  // Observed here so that a failed receive is never an unhandled rejection,
  // even when every message of the read turned out to be invalid.
  received.catch(() => undefined);
  return checked.map(({ message, slot, envelope }) =>
    guard(deps, message, slot, async () => {
      if (!envelope.ok) return rejectInvalidMessage(deps, message, envelope.reason);
      const commandId = envelope.value.command_id;
      if (batch.get(commandId) !== message) return deleteSecondCopy(deps, message, commandId);
      const row = (await received).get(commandId);
      return deliverReceived(deps, message, envelope.value, row ?? null, slot);
    }),
  );
}

/**
 * The same command twice in one read. Receiving the copy as well would run the
 * handler twice at once and spend an attempt (past max_attempts, a healthy
 * command would go to troubleshooting). The first copy's delivery settles the
 * command whatever happens, and a lapsed lease brings that copy back, so the
 * second is stale: deleted, like any message of a command being worked on.
 */
async function deleteSecondCopy(
  deps: DeliverDeps,
  message: PgmqMessage,
  commandId: string,
): Promise<DeliveryOutcome> {
  await deleteMessage(deps.pool, { queue: deps.queue, msgId: message.msgId });
  deps.logger.debug(
    { commandId, msgId: message.msgId },
    'second copy of a message in one read deleted',
  );
  return 'stale';
}

async function guard(
  deps: DeliverDeps,
  message: PgmqMessage,
  slot: HandlerSlot,
  work: () => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  try {
    return await work();
  } catch (error) {
    await recreateDroppedReplyQueue(deps, error);
    // The database went away mid-delivery, most likely. The lease runs out and
    // the message is delivered again, with attempts one higher.
    deps.logger.error(
      { err: error, msgId: message.msgId },
      'delivery failed; message will be redelivered',
    );
    return 'abandoned';
  } finally {
    slot.release();
  }
}

type EnvelopeCheck = { ok: true; value: CommandEnvelope } | { ok: false; reason: string };

function checkEnvelope(deps: DeliverDeps, message: PgmqMessage): EnvelopeCheck {
  const parsed = commandEnvelopeSchema.safeParse(message.message);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  }
  if (parsed.data.domain !== deps.domain) {
    return { ok: false, reason: `envelope domain ${parsed.data.domain} is not ${deps.domain}` };
  }
  return { ok: true, value: parsed.data };
}

async function deliverReceived(
  deps: DeliverDeps,
  message: PgmqMessage,
  envelope: CommandEnvelope,
  received: ReceivedCommandRow | null,
  slot: HandlerSlot,
): Promise<DeliveryOutcome> {
  const { pool, domain, queue } = deps;
  if (!received) {
    // Terminal, in the troubleshooting queue, or unknown: the message is stale.
    await deleteMessage(pool, { queue, msgId: message.msgId });
    deps.logger.debug(
      { commandId: envelope.command_id, msgId: message.msgId },
      'stale message deleted',
    );
    return 'stale';
  }
  const delivery: Delivery = {
    domain,
    queue,
    msgId: message.msgId,
    commandId: envelope.command_id,
    commandType: envelope.command_type,
    correlationId: envelope.correlation_id,
    replyTo: envelope.reply_to,
    batchId: envelope.batch_id,
    attempt: received.attempts,
    maxAttempts: received.maxAttempts,
  };
  const logger = deps.logger.child({
    commandId: delivery.commandId,
    commandType: delivery.commandType,
    attempt: delivery.attempt,
  });
  logger.debug('received');

  const disagreement = envelopeDisagreement(envelope, received);
  if (disagreement) {
    return troubleshoot(deps, delivery, envelope, logger, {
      type: 'PERMANENT',
      code: 'INVALID_MESSAGE',
      message: disagreement,
    });
  }
  if (delivery.attempt > delivery.maxAttempts) {
    // Only a delivery whose worker died (or whose lease lapsed) gets here:
    // without this, a message that crashes its worker would loop forever.
    return troubleshoot(deps, delivery, envelope, logger, {
      type: 'TRANSIENT',
      code: 'MAX_ATTEMPTS_EXCEEDED',
      message: `delivered ${delivery.attempt} times, max_attempts is ${delivery.maxAttempts}`,
    });
  }
  const registered = deps.handlers.get(delivery.commandType);
  if (!registered) {
    return troubleshoot(deps, delivery, envelope, logger, {
      type: 'PERMANENT',
      code: 'NO_HANDLER',
      message: `no handler registered for command type ${delivery.commandType}`,
    });
  }
  const data = registered.definition.data.safeParse(envelope.data);
  if (!data.success) {
    return troubleshoot(deps, delivery, envelope, logger, {
      type: 'PERMANENT',
      code: 'INVALID_DATA',
      message: `data does not match ${delivery.commandType}: ${data.error.issues[0]?.message ?? 'invalid'}`,
    });
  }
  return runHandler(deps, delivery, envelope, registered, data.data, logger, slot);
}

async function runHandler(
  deps: DeliverDeps,
  delivery: Delivery,
  envelope: CommandEnvelope,
  registered: RegisteredHandler,
  data: CommandData,
  logger: Logger,
  slot: HandlerSlot,
): Promise<DeliveryOutcome> {
  const lease = deps.extendLeases
    ? extendLeaseWhileRunning(deps.pool, {
        queue: delivery.queue,
        msgId: delivery.msgId,
        visibilityTimeoutSeconds: deps.visibilityTimeoutSeconds,
        logger,
      })
    : { stop: () => undefined };
  const transaction = new LazyTransaction(deps.pool);
  try {
    if (delivery.replyTo) await deps.replyQueues.ensureCreated(delivery.replyTo);
    const context: HandlerContext = {
      command: {
        domain: delivery.domain,
        commandId: delivery.commandId,
        commandType: delivery.commandType,
        data,
        correlationId: delivery.correlationId,
        batchId: delivery.batchId,
        replyTo: delivery.replyTo,
        createdAt: envelope.created_at,
      },
      attempt: delivery.attempt,
      maxAttempts: delivery.maxAttempts,
      db: transaction.connection,
      signal: deps.shutdownSignal,
      logger,
    };
    const replyData = parseReply(registered, await registered.handle(context));
    const finished = transaction.used
      ? // The handler wrote: its writes and the finish commit together.
        await transaction.commit((tx) => completeDelivery(tx, delivery, replyData))
      : await finishInGroup(deps, delivery, replyData, slot);
    if (!finished) {
      logger.info('delivery superseded by a newer attempt; its result is discarded');
      return 'stale';
    }
    logger.debug('completed');
    if (finished.batchCompleted) announceBatch(deps, delivery);
    return 'completed';
  } catch (error) {
    await transaction.rollback(error);
    if (error instanceof SupersededDeliveryError) {
      logger.info('delivery superseded by a newer attempt; its writes are rolled back');
      return 'stale';
    }
    await recreateDroppedReplyQueue(deps, error);
    return handleFailure(deps, delivery, envelope, error, logger);
  } finally {
    lease.stop();
  }
}

/**
 * A reply queue dropped while the worker runs: the registry still believes in
 * it, so without this every attempt fails the same way and commands that
 * succeeded end in the troubleshooting queue. Created again here (idempotent),
 * the next attempt replies. The failure itself still counts as an attempt.
 */
async function recreateDroppedReplyQueue(deps: DeliverDeps, error: unknown): Promise<void> {
  if (!(error instanceof QueueNotFoundError) || error.queue === deps.queue) return;
  deps.logger.warn({ queue: error.queue }, 'reply queue missing; creating it again');
  try {
    await createQueue(deps.pool, { queue: error.queue });
  } catch (createError) {
    deps.logger.error(
      { err: createError, queue: error.queue },
      'cannot create the reply queue again; the next attempt tries again',
    );
  }
}

/**
 * Hands a handler that wrote nothing to the completion batcher. While the
 * batcher keeps up, the handler's slot is free the moment it is queued: the
 * worker reads and runs the next commands while this group is written.
 */
function finishInGroup(
  deps: DeliverDeps,
  delivery: Delivery,
  replyData: Record<string, unknown> | null,
  slot: HandlerSlot,
): Promise<CompletedCommand | null> {
  const finishing = deps.completions.complete(delivery, replyData);
  if (deps.completions.hasRoom) slot.release();
  return finishing;
}

function parseReply(
  registered: RegisteredHandler,
  reply: CommandData | void,
): Record<string, unknown> | null {
  if (!registered.definition.reply) return reply ?? null;
  const parsed = registered.definition.reply.safeParse(reply);
  if (!parsed.success) {
    throw new PermanentCommandError(
      'INVALID_REPLY',
      `handler of ${registered.definition.type} returned a reply that does not match its schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data ?? null;
}

async function handleFailure(
  deps: DeliverDeps,
  delivery: Delivery,
  envelope: CommandEnvelope,
  error: unknown,
  logger: Logger,
): Promise<DeliveryOutcome> {
  if (deps.shutdownSignal.aborted) {
    logger.warn({ err: error }, 'handler stopped by shutdown; message will be redelivered');
    return 'abandoned';
  }
  try {
    if (error instanceof CancelCommandError) {
      const batchCompleted = await deps.pool.transaction((tx) =>
        cancelDelivery(tx, delivery, error.message),
      );
      logger.info({ reason: error.message }, 'canceled by handler');
      if (batchCompleted) announceBatch(deps, delivery);
      return 'canceled';
    }
    const failure = failureOf(error);
    if (failure.type === 'PERMANENT' || delivery.attempt >= delivery.maxAttempts) {
      return troubleshoot(deps, delivery, envelope, logger, failure);
    }
    const delay = retryDelaySeconds(delivery.attempt, currentBackoff(deps, delivery));
    await deps.pool.transaction((tx) => retryDeliveryLater(tx, delivery, failure, delay));
    logger.warn(
      { errorCode: failure.code, err: error, retryInSeconds: delay },
      'failed; will retry',
    );
    return 'retry';
  } catch (settleError) {
    if (!(settleError instanceof SupersededDeliveryError)) throw settleError;
    logger.info({ err: error }, 'delivery superseded by a newer attempt; its failure is discarded');
    return 'stale';
  }
}

function currentBackoff(deps: DeliverDeps, delivery: Delivery): readonly number[] {
  return deps.handlers.get(delivery.commandType)?.definition.backoffSeconds ?? deps.backoffSeconds;
}

/** How a handler's error is recorded: its type (TRANSIENT unless it says PERMANENT), code and message. */
export function failureOf(error: unknown): CommandFailure {
  if (error instanceof PermanentCommandError) {
    return { type: 'PERMANENT', code: error.code, message: error.message };
  }
  if (error instanceof TransientCommandError) {
    return { type: 'TRANSIENT', code: error.code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : typeof error;
  return { type: 'TRANSIENT', code: 'UNEXPECTED_ERROR', message: `${name}: ${message}` };
}

async function troubleshoot(
  deps: DeliverDeps,
  delivery: Delivery,
  envelope: CommandEnvelope,
  logger: Logger,
  failure: CommandFailure,
): Promise<DeliveryOutcome> {
  let batchCompleted: boolean;
  try {
    batchCompleted = await deps.pool.transaction((tx) =>
      troubleshootDelivery(tx, delivery, failure, envelope),
    );
  } catch (error) {
    if (!(error instanceof SupersededDeliveryError)) throw error;
    logger.info({ errorCode: failure.code }, 'delivery superseded by a newer attempt; not moved');
    return 'stale';
  }
  logger.warn(
    { errorType: failure.type, errorCode: failure.code, error: failure.message },
    'moved to troubleshooting queue',
  );
  if (batchCompleted) announceBatch(deps, delivery);
  return 'troubleshooting';
}

/**
 * Never dropped silently: the message is archived, logged, and, when the
 * command it names exists, that command goes to the troubleshooting queue.
 */
async function rejectInvalidMessage(
  deps: DeliverDeps,
  message: PgmqMessage,
  reason: string,
): Promise<DeliveryOutcome> {
  const { pool, domain, queue } = deps;
  const probe = commandIdProbeSchema.safeParse(message.message);
  const commandId = probe.success ? probe.data.command_id : null;
  await pool.transaction(async (tx) => {
    const known = commandId ? await getCommand(tx, { domain, commandId }) : null;
    if (known && commandId && known.status !== 'COMPLETED' && known.status !== 'CANCELED') {
      await moveDeliveryToTroubleshooting(
        tx,
        { domain, commandId, queue, msgId: message.msgId, attempt: known.attempts },
        { type: 'PERMANENT', code: 'INVALID_MESSAGE', message: reason },
        message.message ?? null,
      );
    } else {
      await archive(tx, { queue, msgId: message.msgId });
    }
  });
  deps.logger.error({ msgId: message.msgId, commandId, reason }, 'invalid message archived');
  return 'invalid';
}

/**
 * Called after the commit: the application's callback failing must not be
 * taken for the handler failing (a completed command counted as a retry, a
 * canceled one as abandoned). Its error is logged; nothing is undone.
 */
function announceBatch(deps: DeliverDeps, delivery: Delivery): void {
  if (!delivery.batchId) return;
  const { batchId } = delivery;
  deps.logger.info({ batchId }, 'batch completed');
  const failed = (error: unknown) =>
    deps.logger.error({ err: error, batchId }, 'batch-completed callback failed');
  try {
    const result: unknown = deps.onBatchCompleted({
      domain: delivery.domain,
      batchId,
      commandId: delivery.commandId,
    });
    // An async callback's rejection is logged too, not left unhandled.
    if (result instanceof Promise) void result.catch(failed);
  } catch (error) {
    failed(error);
  }
}
