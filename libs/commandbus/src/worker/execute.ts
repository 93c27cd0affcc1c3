// Runs one ready delivery's handler with its context and hands the result to
// settle: the handler's `ctx.db` is a transaction opened on first use (within
// the handlers' share of the connection budget), and the finish joins it.
import type { CommandData } from '../command-definition.ts';
import { PermanentCommandError } from '../errors.ts';
import type { HandlerContext, RegisteredHandler } from './handler.ts';
import { recordError, traceProcess, traceSettle } from '../observability/tracing.ts';
import { LazyTransaction } from './lazy-transaction.ts';
import { SupersededDeliveryError } from './outcomes.ts';
import type { ReadyDelivery } from './receive.ts';
import { guard, settleFailure, settleSuccess } from './settle.ts';
import type { DeliveryOutcome, WorkerContext } from './worker-context.ts';

/**
 * Never rejects. `releaseSlot` is called once the handler's slot may be
 * given to the next command: when the finish is queued for a group, or when
 * the delivery has settled.
 */
export async function execute(
  ctx: WorkerContext,
  ready: ReadyDelivery,
  releaseSlot: () => void,
): Promise<DeliveryOutcome> {
  const { delivery, logger } = ready;
  ctx.leases.keep(delivery.msgId, ctx.options.extendLeases);
  const timer = ctx.metrics?.handlerStarting(delivery.commandType, ready.envelope.created_at);
  try {
    const traced = { ...delivery, queue: ctx.queue, headers: ready.headers };
    const outcome = await traceProcess(traced, (span) =>
      guard(ctx, delivery.msgId, async () => {
        const transaction = new LazyTransaction(ctx.handlerDb);
        try {
          if (delivery.replyTo) await ctx.replyQueues.ensureCreated(delivery.replyTo);
          let returned: CommandData | void;
          try {
            returned = await ready.registered.handle(handlerContext(ctx, ready, transaction));
          } catch (error) {
            recordError(span, error);
            throw error;
          } finally {
            timer?.handlerEnded();
          }
          const replyData = parseReply(ready.registered, returned);
          return await traceSettle(ctx.queue, () =>
            settleSuccess(ctx, delivery, transaction, replyData, logger, releaseSlot),
          );
        } catch (error) {
          await transaction.rollback(error);
          if (error instanceof SupersededDeliveryError) {
            logger().info('delivery superseded by a newer attempt; its writes are rolled back');
            return 'stale';
          }
          return traceSettle(ctx.queue, () =>
            settleFailure(ctx, delivery, ready.envelope, error, logger),
          );
        }
      }),
    );
    timer?.settled(outcome);
    return outcome;
  } finally {
    ctx.leases.release(delivery.msgId);
    releaseSlot();
  }
}

function handlerContext(
  ctx: WorkerContext,
  ready: ReadyDelivery,
  transaction: LazyTransaction,
): HandlerContext {
  const { delivery, envelope } = ready;
  return {
    command: {
      domain: delivery.domain,
      commandId: delivery.commandId,
      commandType: delivery.commandType,
      data: ready.data,
      correlationId: delivery.correlationId,
      batchId: delivery.batchId,
      replyTo: delivery.replyTo,
      createdAt: envelope.created_at,
    },
    attempt: delivery.attempt,
    maxAttempts: delivery.maxAttempts,
    db: transaction.connection,
    signal: ctx.shutdownSignal,
    get logger() {
      return ready.logger();
    },
  };
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
