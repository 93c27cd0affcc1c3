// The operator API (docs/lifecycle.md, "The troubleshooting queue"): act on
// one domain's troubleshooting queue (retry, cancel, complete, bulk retry) and
// inspect its commands, batches and queues. Each action is one transaction
// that locks the command row first.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import {
  assertDomain,
  CommandBusError,
  getArchivedPayload,
  getCommand,
  ruleViolation,
  type BatchRow,
  type CommandRow,
} from '@commandbus/commandbus-schema';
import type { QueueMetrics } from '@commandbus/pgmq';
import { defaultLogger } from '../logger.ts';
import { commandBusMetrics, type MetricsOptions } from '../observability/metrics.ts';
import { QueueRegistry } from '../queue-registry.ts';
import { PayloadNotRetryableError } from './errors.ts';
import {
  batchDetails,
  commandDetails,
  listTroubleshooting,
  queueFigures,
  searchBatches,
  searchCommands,
} from './inspection.ts';
import { requeueItems, retryableEnvelope } from './requeue.ts';
import { cancelItem, completeItem } from './resolve.ts';
import { resolveRetryTargets, retryMany } from './retry-many.ts';
import { lockTroubleshootingItem, replyTargetOf } from './troubleshooting-item.ts';
import type {
  BatchDetails,
  CommandDetails,
  ListBatchesOptions,
  ListCommandsOptions,
  ListTroubleshootingOptions,
  ResolveResult,
  RetryManyResult,
  RetryManyTarget,
  RetryResult,
  TroubleshootingPage,
} from './types.ts';
import { assertCommandId, assertReason, resultDataOf } from './validate.ts';

export interface OperatorOptions {
  readonly pool: DatabasePool;
  /** The domain every call acts on and reads from. */
  readonly domain: string;
  readonly logger?: Logger;
  /** Who is acting (a user name): recorded as `operator` in the audit details. Default: none. */
  readonly actor?: string;
  /** Counts the operator's actions in a prom-client registry (docs/observability.md). Default: none. */
  readonly metrics?: MetricsOptions;
}

export class Operator {
  readonly domain: string;
  readonly #pool: DatabasePool;
  readonly #logger: Logger;
  readonly #actor: string | undefined;
  readonly #queues: QueueRegistry;
  readonly #actions: ReturnType<typeof commandBusMetrics>['operatorActions'] | undefined;

  constructor(options: OperatorOptions) {
    if (
      options.actor !== undefined &&
      (typeof options.actor !== 'string' || options.actor === '')
    ) {
      throw ruleViolation('INVALID_ARGUMENT', 'actor', 'must be a non-empty string', options.actor);
    }
    assertDomain(options.domain);
    this.domain = options.domain;
    this.#pool = options.pool;
    this.#actor = options.actor;
    this.#logger = (options.logger ?? defaultLogger()).child({
      component: 'operator',
      domain: this.domain,
    });
    this.#queues = new QueueRegistry(options.pool);
    this.#actions = options.metrics && commandBusMetrics(options.metrics.registry).operatorActions;
  }

  /** Commands in IN_TROUBLESHOOTING_QUEUE, oldest arrival first, with last error and archived payload. */
  listTroubleshooting(options: ListTroubleshootingOptions = {}): Promise<TroubleshootingPage> {
    return listTroubleshooting(this.#pool, this.domain, options);
  }

  /**
   * Re-enqueues the archived envelope as a new message: PENDING, attempts 0,
   * audit OPERATOR_RETRY, sp_tsq_retry, and a NOTIFY that wakes the workers.
   * Works after PGMQ's archive was purged: the payload comes from
   * commandbus.payload_archive. The command queue is not created here: it
   * exists since the command was sent through it (a dropped queue fails the
   * retry with QueueNotFoundError, and nothing changes).
   */
  async retry(commandId: string): Promise<RetryResult> {
    const { domain } = this;
    assertCommandId(commandId);
    const result = await this.#pool.transaction(async (tx) => {
      const row = await lockTroubleshootingItem(tx, domain, commandId);
      const check = retryableEnvelope(row, await getArchivedPayload(tx, { domain, commandId }));
      if ('reason' in check) throw new PayloadNotRetryableError(domain, commandId, check.reason);
      const [requeued] = await requeueItems(
        tx,
        domain,
        [{ row, envelope: check.envelope }],
        this.#actor,
      );
      if (!requeued) throw new CommandBusError('INTERNAL', 'operator retry: one item in, none out');
      return {
        domain,
        commandId: row.commandId,
        status: 'PENDING' as const,
        batchId: row.batchId,
        batchCompleted: false,
        msgId: requeued.msgId,
      };
    });
    this.#logger.info(
      { commandId: result.commandId, msgId: result.msgId, actor: this.#actor },
      'operator retry: re-enqueued',
    );
    this.#actions?.inc({ domain, action: 'retry' });
    return result;
  }

  /** CANCELED, reply CANCELED (code CANCELED_BY_OPERATOR, the reason as message), audit OPERATOR_CANCEL, sp_tsq_cancel. */
  async cancel(commandId: string, reason: string): Promise<ResolveResult> {
    const { domain } = this;
    assertCommandId(commandId);
    assertReason(reason);
    await this.#ensureReplyQueue(domain, commandId);
    const result = await this.#pool.transaction(async (tx) =>
      cancelItem(tx, await lockTroubleshootingItem(tx, domain, commandId), reason, this.#actor),
    );
    this.#logResolved(result, 'operator cancel: canceled');
    this.#actions?.inc({ domain, action: 'cancel' });
    return result;
  }

  /** COMPLETED, reply SUCCESS with `resultData`, audit OPERATOR_COMPLETE, sp_tsq_complete. */
  async complete(
    commandId: string,
    resultData?: Record<string, unknown> | null,
  ): Promise<ResolveResult> {
    const { domain } = this;
    assertCommandId(commandId);
    const data = resultDataOf(resultData);
    await this.#ensureReplyQueue(domain, commandId);
    const result = await this.#pool.transaction(async (tx) =>
      completeItem(tx, await lockTroubleshootingItem(tx, domain, commandId), data, this.#actor),
    );
    this.#logResolved(result, 'operator complete: completed');
    this.#actions?.inc({ domain, action: 'complete' });
    return result;
  }

  /**
   * Retries the given ids, or every item matching a filter at the time of the
   * call, and reports per id what happened. Never throws for an id that is
   * unknown or not in the troubleshooting queue: it is counted instead.
   */
  async retryMany(target: RetryManyTarget): Promise<RetryManyResult> {
    const commandIds = await resolveRetryTargets(this.#pool, this.domain, target);
    const result = await retryMany(this.#pool, this.domain, commandIds, this.#actor);
    this.#logger.info(
      {
        retried: result.retried,
        notInTroubleshooting: result.notInTroubleshooting,
        notFound: result.notFound,
        notRetryable: result.notRetryable,
        actor: this.#actor,
      },
      'operator bulk retry',
    );
    if (result.retried > 0)
      this.#actions?.inc({ domain: this.domain, action: 'retry' }, result.retried);
    return result;
  }

  /** The command, its whole audit trail (oldest first) and its archived payload. */
  getCommand(commandId: string): Promise<CommandDetails> {
    assertCommandId(commandId);
    return commandDetails(this.#pool, this.domain, commandId);
  }

  /** The domain's commands, newest first; every filter optional. */
  listCommands(options: ListCommandsOptions = {}): Promise<CommandRow[]> {
    return searchCommands(this.#pool, this.domain, options);
  }

  getBatch(batchId: string): Promise<BatchDetails> {
    return batchDetails(this.#pool, this.domain, batchId);
  }

  /** The domain's batches, newest first. */
  listBatches(options: ListBatchesOptions = {}): Promise<BatchRow[]> {
    return searchBatches(this.#pool, this.domain, options);
  }

  /** pgmq.metrics_all for the domain's queues (`<domain>__…`), by queue name. */
  queueFigures(): Promise<QueueMetrics[]> {
    return queueFigures(this.#pool, this.domain);
  }

  /**
   * The sender's reply queue normally exists (the producer creates or checks
   * it). Should it have been dropped since, it is created again here, as the
   * worker does: idempotent DDL, outside the action's transaction, so the reply
   * never fails the operator's decision.
   */
  async #ensureReplyQueue(domain: string, commandId: string): Promise<void> {
    // Unlocked peek: the action's transaction reads the row again under lock.
    // Only for an item that is there to act on: a failing action creates nothing.
    const row = await getCommand(this.#pool, { domain, commandId });
    const replyTo = row?.status === 'IN_TROUBLESHOOTING_QUEUE' ? replyTargetOf(row).replyTo : null;
    if (replyTo) await this.#queues.ensureCreated(replyTo);
  }

  #logResolved(result: ResolveResult, message: string): void {
    this.#logger.info(
      {
        commandId: result.commandId,
        batchId: result.batchId,
        batchCompleted: result.batchCompleted,
        replyQueue: result.replyQueue,
        actor: this.#actor,
      },
      message,
    );
  }
}
