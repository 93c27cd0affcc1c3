// @commandbus/pgmq: a typed client for PGMQ's public SQL functions (and, for
// queueCommitted, its documented pgmq.meta table). Every call takes a slonik
// connection first (a pool or a transaction) and an input object.
export { send, sendBatch } from './send.ts';
export type { SendInput, SendBatchInput } from './send.ts';
export { read, readWithPoll, pop } from './read.ts';
export type { ReadInput, ReadWithPollInput, PopInput } from './read.ts';
export { setVt } from './set-vt.ts';
export type { SetVtInput } from './set-vt.ts';
export { deleteMessage, deleteMessages } from './delete.ts';
export type { DeleteMessageInput, DeleteMessagesInput } from './delete.ts';
export { archive, archiveMessages } from './archive.ts';
export type { ArchiveInput, ArchiveMessagesInput } from './archive.ts';
export { createQueue, dropQueue, listQueues, purgeQueue, queueCommitted } from './queue-admin.ts';
export type { QueueInput, QueueInfo } from './queue-admin.ts';
export { metrics, metricsAll } from './metrics.ts';
export type { MetricsInput, QueueMetrics } from './metrics.ts';
export type { PgmqMessage } from './message-schema.ts';
export type { Delay } from './input.ts';
export { validateQueueName, MAX_QUEUE_NAME_LENGTH } from './queue-name.ts';
export { DEFAULT_MAX_POLL_SECONDS, DEFAULT_POLL_INTERVAL_MS } from './defaults.ts';
export {
  PgmqError,
  InvalidQueueNameError,
  InvalidArgumentError,
  QueueNotFoundError,
  PGMQ_ERROR_CODES,
} from './errors.ts';
export type { PgmqErrorCode } from './errors.ts';
