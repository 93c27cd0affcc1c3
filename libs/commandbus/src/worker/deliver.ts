// One delivery of one message, from envelope check to outcome (lifecycle.md,
// worker steps 2-7). Nothing in here throws to the worker loop: every failure
// ends in an outcome, or is logged and left to PGMQ's redelivery.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import { getCommand, receiveCommand } from '@commandbus/commandbus-schema';
import { archive, deleteMessage, type PgmqMessage } from '@commandbus/pgmq';
import type { CommandData } from '../command-definition.ts';
import { commandEnvelopeSchema, commandIdProbeSchema, type CommandEnvelope } from '../envelope.ts';
import { CancelCommandError, PermanentCommandError, TransientCommandError } from '../errors.ts';
import type { QueueRegistry } from '../queue-registry.ts';
import type { HandlerContext, RegisteredHandler } from './handler.ts';
import { extendLeaseWhileRunning } from './lease-extender.ts';
import {
  cancelDelivery,
  completeDelivery,
  moveDeliveryToTroubleshooting,
  ownsCommand,
  retryDeliveryLater,
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
  | 'completed'
  | 'canceled'
  | 'retry'
  | 'troubleshooting'
  | 'stale'
  | 'invalid'
  | 'abandoned';

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
  readonly onBatchCompleted: (event: BatchCompletedEvent) => void;
}

export async function deliver(deps: DeliverDeps, message: PgmqMessage): Promise<DeliveryOutcome> {
  try {
    return await deliverOrThrow(deps, message);
  } catch (error) {
    // The database went away mid-delivery, most likely. The lease runs out and
    // the message is delivered again, with attempts one higher.
    deps.logger.error({ err: error, msgId: message.msgId }, 'delivery failed; message will be redelivered');
    return 'abandoned';
  }
}

async function deliverOrThrow(deps: DeliverDeps, message: PgmqMessage): Promise<DeliveryOutcome> {
  const { pool, domain, queue } = deps;
  const parsed = commandEnvelopeSchema.safeParse(message.message);
  if (!parsed.success || parsed.data.domain !== domain) {
    const reason = parsed.success
      ? `envelope domain ${parsed.data.domain} is not ${domain}`
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return rejectInvalidMessage(deps, message, reason);
  }
  const envelope = parsed.data;
  const received = await receiveCommand(pool, {
    domain,
    commandId: envelope.command_id,
    newStatus: 'IN_PROGRESS',
    msgId: message.msgId,
  });
  if (!received) {
    // Terminal, in the troubleshooting queue, or unknown: the message is stale.
    await deleteMessage(pool, { queue, msgId: message.msgId });
    deps.logger.debug({ commandId: envelope.command_id, msgId: message.msgId }, 'stale message deleted');
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
  return runHandler(deps, delivery, envelope, registered, data.data, logger);
}

async function runHandler(
  deps: DeliverDeps,
  delivery: Delivery,
  envelope: CommandEnvelope,
  registered: RegisteredHandler,
  data: CommandData,
  logger: Logger,
): Promise<DeliveryOutcome> {
  const lease = deps.extendLeases
    ? extendLeaseWhileRunning(deps.pool, {
        queue: delivery.queue,
        msgId: delivery.msgId,
        visibilityTimeoutSeconds: deps.visibilityTimeoutSeconds,
        logger,
      })
    : { stop: () => undefined };
  try {
    if (delivery.replyTo) await deps.replyQueues.ensureCreated(delivery.replyTo);
    const result = await deps.pool.transaction(async (tx) => {
      // Holding the row lock while the handler runs means a redelivery of the
      // same command (lease lapsed) waits here instead of running beside us.
      if (!(await ownsCommand(tx, delivery))) return { stale: true as const };
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
        db: tx,
        signal: deps.shutdownSignal,
        logger,
      };
      const reply = await registered.handle(context);
      const replyData = parseReply(registered, reply);
      return { stale: false as const, batchCompleted: await completeDelivery(tx, delivery, replyData) };
    });
    if (result.stale) {
      logger.info('delivery superseded by a newer attempt; not run');
      return 'stale';
    }
    logger.info('completed');
    if (result.batchCompleted) announceBatch(deps, delivery);
    return 'completed';
  } catch (error) {
    return handleFailure(deps, delivery, envelope, error, logger);
  } finally {
    lease.stop();
  }
}

function parseReply(registered: RegisteredHandler, reply: CommandData | void): Record<string, unknown> | null {
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
  if (error instanceof CancelCommandError) {
    const batchCompleted = await deps.pool.transaction(async (tx) =>
      (await ownsCommand(tx, delivery)) ? cancelDelivery(tx, delivery, error.message) : false,
    );
    logger.info({ reason: error.message }, 'canceled by handler');
    if (batchCompleted) announceBatch(deps, delivery);
    return 'canceled';
  }
  const failure = describeFailure(error);
  if (failure.type === 'PERMANENT' || delivery.attempt >= delivery.maxAttempts) {
    return troubleshoot(deps, delivery, envelope, logger, failure);
  }
  const delay = retryDelaySeconds(delivery.attempt, currentBackoff(deps, delivery));
  await deps.pool.transaction(async (tx) => {
    if (await ownsCommand(tx, delivery)) await retryDeliveryLater(tx, delivery, failure, delay);
  });
  logger.warn({ errorCode: failure.code, err: error, retryInSeconds: delay }, 'failed; will retry');
  return 'retry';
}

function currentBackoff(deps: DeliverDeps, delivery: Delivery): readonly number[] {
  return deps.handlers.get(delivery.commandType)?.definition.backoffSeconds ?? deps.backoffSeconds;
}

export function describeFailure(error: unknown): CommandFailure {
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
  const batchCompleted = await deps.pool.transaction(async (tx) =>
    (await ownsCommand(tx, delivery))
      ? moveDeliveryToTroubleshooting(tx, delivery, failure, envelope)
      : false,
  );
  logger.warn({ errorType: failure.type, errorCode: failure.code, error: failure.message }, 'moved to troubleshooting queue');
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

function announceBatch(deps: DeliverDeps, delivery: Delivery): void {
  if (!delivery.batchId) return;
  deps.logger.info({ batchId: delivery.batchId }, 'batch completed');
  deps.onBatchCompleted({ domain: delivery.domain, batchId: delivery.batchId, commandId: delivery.commandId });
}
