// What receive, execute and settle share: the worker's domain and queue, its
// connections (within the budget), its handlers, options and helpers. Built
// once per started worker.
import type { CommonQueryMethods } from 'slonik';
import type { Logger } from 'pino';
import type { WorkerMetrics } from '../observability/worker-metrics.ts';
import type { QueueRegistry } from '../queue-registry.ts';
import type { CompletionBatcher } from './completion-batcher.ts';
import type { RegisteredHandler } from './handler.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import type { ResolvedWorkerOptions } from './worker-options.ts';

export interface BatchCompletedEvent {
  readonly domain: string;
  readonly batchId: string;
  readonly commandId: string;
}

/** How a delivery ended; `released`: handed back unstarted at shutdown. */
export type DeliveryOutcome =
  | 'completed'
  | 'canceled'
  | 'failed'
  | 'retry'
  | 'troubleshooting'
  | 'stale'
  | 'invalid'
  | 'abandoned'
  | 'released';

export interface WorkerContext {
  readonly domain: string;
  readonly queue: string;
  /** The pool, within the worker's connection budget. */
  readonly db: CommonQueryMethods;
  /** Where handlers' `ctx.db` transactions open: the budget's share for handlers. */
  readonly handlerDb: Pick<CommonQueryMethods, 'transaction'>;
  readonly handlers: ReadonlyMap<string, RegisteredHandler>;
  readonly options: ResolvedWorkerOptions;
  readonly logger: Logger;
  /** Aborted when shutdown's grace period is over. */
  readonly shutdownSignal: AbortSignal;
  readonly replyQueues: QueueRegistry;
  readonly completions: CompletionBatcher;
  readonly leases: LeaseKeeper;
  /** Set when the worker reports metrics. */
  readonly metrics: WorkerMetrics | undefined;
}
