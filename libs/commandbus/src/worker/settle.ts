// How deliveries end once the worker knows their outcome (docs/lifecycle.md,
// "How a delivery ends"): the success, failure, troubleshooting, stale and
// invalid paths, the shutdown's hand-back, and the batch-completed callback.
// The statements themselves are in outcomes.ts and the schema lib.
import type { Logger } from 'pino';
import { getCommand, releaseCommands, type CompletedCommand } from '@commandbus/commandbus-schema';
import { archive, createQueue, deleteMessages, QueueNotFoundError } from '@commandbus/pgmq';
import { commandIdProbeSchema } from '../envelope.ts';
import {
  BusinessRuleError,
  CancelCommandError,
  PermanentCommandError,
  TransientCommandError,
} from '../errors.ts';
import type { LazyTransaction } from './lazy-transaction.ts';
import {
  cancelDelivery,
  failDeliveryOnBusinessRule,
  completeDelivery,
  moveDeliveryToTroubleshooting,
  retryDeliveryLater,
  SupersededDeliveryError,
  troubleshootDelivery,
  type CommandFailure,
  type Delivery,
} from './outcomes.ts';
import { retryDelaySeconds } from './retry-backoff.ts';
import type { DeliveryOutcome, WorkerContext } from './worker-context.ts';

/**
 * Runs one delivery's `work` so that nothing reaches the worker loop: an
 * error (the database went away, most likely) is logged and the message is
 * left to PGMQ's redelivery when its lease ends, with attempts one higher.
 */
export async function guard(
  ctx: WorkerContext,
  msgId: number,
  work: () => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  try {
    return await work();
  } catch (error) {
    await recreateDroppedReplyQueue(ctx, error);
    ctx.logger.error({ err: error, msgId }, 'delivery failed; message will be redelivered');
    return 'abandoned';
  }
}

/**
 * Finishes a handler that returned. One that wrote through `ctx.db` commits
 * its writes and the finish together; one that wrote nothing joins the
 * completion batcher's next group, and gives its handler slot back as soon
 * as it is queued while the batcher keeps up.
 */
export async function settleSuccess(
  ctx: WorkerContext,
  delivery: Delivery,
  transaction: LazyTransaction,
  replyData: Record<string, unknown> | null,
  logger: () => Logger,
  releaseSlot: () => void,
): Promise<DeliveryOutcome> {
  let finished: CompletedCommand | null;
  if (transaction.used) {
    finished = await transaction.commit((tx) => completeDelivery(tx, delivery, replyData));
  } else {
    const finishing = ctx.completions.complete(delivery, replyData);
    if (ctx.completions.hasRoom) releaseSlot();
    finished = await finishing;
  }
  if (!finished) {
    logger().info('delivery superseded by a newer attempt; its result is discarded');
    return 'stale';
  }
  if (ctx.logger.isLevelEnabled('debug')) logger().debug('completed');
  if (finished.batchCompleted) announceBatch(ctx, delivery);
  return 'completed';
}

/** A handler that threw: canceled, retried later or moved to the troubleshooting queue. */
export async function settleFailure(
  ctx: WorkerContext,
  delivery: Delivery,
  payload: unknown,
  error: unknown,
  logger: () => Logger,
): Promise<DeliveryOutcome> {
  if (ctx.shutdownSignal.aborted) {
    logger().warn({ err: error }, 'handler stopped by shutdown; message will be redelivered');
    return 'abandoned';
  }
  await recreateDroppedReplyQueue(ctx, error);
  try {
    if (error instanceof CancelCommandError) {
      const batchCompleted = await ctx.db.transaction((tx) =>
        cancelDelivery(tx, delivery, error.message),
      );
      logger().info({ reason: error.message }, 'canceled by handler');
      if (batchCompleted) announceBatch(ctx, delivery);
      return 'canceled';
    }
    if (error instanceof BusinessRuleError) {
      const batchCompleted = await ctx.db.transaction((tx) =>
        failDeliveryOnBusinessRule(tx, delivery, error, error.details),
      );
      logger().info({ errorCode: error.code }, 'failed by a business rule');
      if (batchCompleted) announceBatch(ctx, delivery);
      return 'failed';
    }
    const failure = failureOf(error);
    if (failure.type === 'PERMANENT' || delivery.attempt >= delivery.maxAttempts) {
      return await troubleshoot(ctx, delivery, payload, failure, logger);
    }
    const backoff =
      ctx.handlers.get(delivery.commandType)?.definition.backoffSeconds ??
      ctx.options.backoffSeconds;
    const delay = retryDelaySeconds(delivery.attempt, backoff);
    await ctx.db.transaction((tx) => retryDeliveryLater(tx, delivery, failure, delay));
    logger().warn(
      { errorCode: failure.code, err: error, retryInSeconds: delay },
      'failed; will retry',
    );
    return 'retry';
  } catch (settleError) {
    if (!(settleError instanceof SupersededDeliveryError)) throw settleError;
    logger().info(
      { err: error },
      'delivery superseded by a newer attempt; its failure is discarded',
    );
    return 'stale';
  }
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

/** A received delivery that fails for good, refused when a newer delivery owns the command. */
export async function troubleshoot(
  ctx: WorkerContext,
  delivery: Delivery,
  payload: unknown,
  failure: CommandFailure,
  logger: () => Logger,
): Promise<DeliveryOutcome> {
  let batchCompleted: boolean;
  try {
    batchCompleted = await ctx.db.transaction((tx) =>
      troubleshootDelivery(tx, delivery, failure, payload),
    );
  } catch (error) {
    if (!(error instanceof SupersededDeliveryError)) throw error;
    logger().info({ errorCode: failure.code }, 'delivery superseded by a newer attempt; not moved');
    return 'stale';
  }
  logger().warn(
    { errorType: failure.type, errorCode: failure.code, error: failure.message },
    'moved to troubleshooting queue',
  );
  if (batchCompleted) announceBatch(ctx, delivery);
  return 'troubleshooting';
}

/**
 * Messages of one read that name a command the read did not receive: it is
 * terminal, in the troubleshooting queue or unknown, or this is a second
 * copy of a command the same read received (receiving it too would run the
 * handler twice at once). All are deleted in one statement.
 */
export async function deleteStale(
  ctx: WorkerContext,
  stale: readonly { readonly msgId: number; readonly commandId: string }[],
): Promise<DeliveryOutcome> {
  await deleteMessages(ctx.db, { queue: ctx.queue, msgIds: stale.map((m) => m.msgId) });
  for (const { msgId, commandId } of stale) {
    ctx.logger.debug({ commandId, msgId }, 'stale message deleted');
  }
  return 'stale';
}

/**
 * A message the read did not receive that is not a valid envelope. Never
 * dropped silently: archived, logged, and, when the command it names exists
 * and is not terminal, that command goes to the troubleshooting queue.
 */
export async function rejectInvalidMessage(
  ctx: WorkerContext,
  msgId: number,
  message: unknown,
  reason: string,
): Promise<DeliveryOutcome> {
  const { domain, queue } = ctx;
  const probe = commandIdProbeSchema.safeParse(message);
  const commandId = probe.success ? probe.data.command_id : null;
  await ctx.db.transaction(async (tx) => {
    const known = commandId ? await getCommand(tx, { domain, commandId }) : null;
    if (known && commandId && known.status !== 'COMPLETED' && known.status !== 'CANCELED') {
      await moveDeliveryToTroubleshooting(
        tx,
        { domain, commandId, queue, msgId, attempt: known.attempts },
        { type: 'PERMANENT', code: 'INVALID_MESSAGE', message: reason },
        message ?? null,
      );
    } else {
      await archive(tx, { queue, msgId });
    }
  });
  ctx.logger.error({ msgId, commandId, reason }, 'invalid message archived');
  return 'invalid';
}

/**
 * Shutdown: commands received but never started go back (PENDING, their
 * attempt taken back, message visible at once) in one statement. Returns
 * how many the worker still owned.
 */
export async function releaseUnstarted(
  ctx: WorkerContext,
  deliveries: readonly Delivery[],
): Promise<number> {
  const released = await releaseCommands(ctx.db, {
    domain: ctx.domain,
    queue: ctx.queue,
    deliveries: deliveries.map(({ commandId, msgId, attempt }) => ({ commandId, msgId, attempt })),
  });
  ctx.logger.info(
    { released: released.length, held: deliveries.length },
    'unstarted commands handed back',
  );
  return released.length;
}

/**
 * A reply queue dropped while the worker runs: the registry still believes in
 * it, so without this every attempt fails the same way and commands that
 * succeeded end in the troubleshooting queue. Created again here (idempotent),
 * the next attempt replies. The failure itself still counts as an attempt.
 */
async function recreateDroppedReplyQueue(ctx: WorkerContext, error: unknown): Promise<void> {
  if (!(error instanceof QueueNotFoundError) || error.queue === ctx.queue) return;
  ctx.logger.warn({ queue: error.queue }, 'reply queue missing; creating it again');
  try {
    await createQueue(ctx.db, { queue: error.queue });
  } catch (createError) {
    ctx.logger.error(
      { err: createError, queue: error.queue },
      'cannot create the reply queue again; the next attempt tries again',
    );
  }
}

/**
 * Called after the commit: the application's callback failing must not be
 * taken for the handler failing (a completed command counted as a retry, a
 * canceled one as abandoned). Its error is logged; nothing is undone.
 */
function announceBatch(ctx: WorkerContext, delivery: Delivery): void {
  if (!delivery.batchId) return;
  const { batchId } = delivery;
  ctx.logger.info({ batchId }, 'batch completed');
  const failed = (error: unknown) =>
    ctx.logger.error({ err: error, batchId }, 'batch-completed callback failed');
  try {
    const result: unknown = ctx.options.onBatchCompleted({
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
