// Public API of the command bus library: producer, worker, reply reader,
// operator, their options, results and errors. Queue names, wire schemas and
// other plumbing are in `@commandbus/commandbus/internals`.
export { defineCommand } from './command-definition.ts';
export type { CommandData, CommandDefinition, DataOf, ReplyOf } from './command-definition.ts';
export {
  BatchNotFoundError,
  BusinessRuleError,
  CancelCommandError,
  CommandNotFoundError,
  ConfigError,
  DuplicateBatchError,
  DuplicateCommandError,
  NotInTroubleshootingError,
  PayloadTooLargeError,
  PermanentCommandError,
  TransientCommandError,
} from './errors.ts';
export { CommandBusError, InvalidInputError } from '@commandbus/errors';
export { StoredProcedureError } from '@commandbus/commandbus-schema';
export {
  InvalidArgumentError,
  InvalidQueueNameError,
  PgmqError,
  QueueNotFoundError,
} from '@commandbus/pgmq';
export { DatabaseUnavailableError, openPool } from './database.ts';
export type { OpenPoolOptions } from './database.ts';
export { Producer } from './producer/producer.ts';
export type {
  BatchItem,
  CreateBatchInput,
  CreateBatchResult,
  ProducerOptions,
  SendOptions,
  SendResult,
} from './producer/producer.ts';
export type { SendInput } from './producer/prepare-command.ts';
export { Worker } from './worker/worker.ts';
export type { WorkerOutcomeCounts } from './worker/worker.ts';
export type { WorkerMetricsOptions, WorkerOptions } from './worker/worker-options.ts';
// Prometheus metrics and health endpoints (docs/observability.md).
export type { MetricsOptions } from './observability/metrics.ts';
export type { BatchCompletedEvent, DeliveryOutcome } from './worker/worker-context.ts';
export type { CommandHandler, HandlerContext, ReceivedCommand } from './worker/handler.ts';
// Replies: a sender reads its commands' replies, parsed by command type.
export { ReplyReader } from './replies/reply-reader.ts';
export type { ReplyCallback, ReplyContext, ReplyReaderOptions } from './replies/reply-reader.ts';
export type { FailureReply, InvalidReply, Reply, SuccessReply } from './replies/parse-reply.ts';
// Operator: the troubleshooting queue, batches and queries (docs/lifecycle.md,
// "The troubleshooting queue").
export { Operator } from './operator/operator.ts';
export type { OperatorOptions } from './operator/operator.ts';
export { PayloadNotRetryableError } from './operator/errors.ts';
export type {
  BatchDetails,
  CommandDetails,
  CommandError,
  ListBatchesOptions,
  ListCommandsOptions,
  ListTroubleshootingOptions,
  OperatorActionResult,
  Paging,
  ResolveResult,
  RetryManyItem,
  RetryManyOutcome,
  RetryManyResult,
  RetryManyTarget,
  RetryResult,
  TroubleshootingFilter,
  TroubleshootingItem,
  TroubleshootingPage,
} from './operator/types.ts';
// The row types and statuses that the operator's results carry.
export type {
  AuditRow,
  BatchRow,
  BatchStatus,
  CommandRow,
  CommandStatus,
} from '@commandbus/commandbus-schema';
export type { QueueMetrics } from '@commandbus/pgmq';
