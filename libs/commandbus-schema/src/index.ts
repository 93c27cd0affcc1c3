// Public API of @commandbus/commandbus-schema: the migrations' location,
// the value sets and rows its callers read, typed wrappers of every stored
// procedure and the row-level queries the producer, worker and operator build
// on. Anything not listed here is private to this lib.

export { readSchemaMigrations, schemaSqlDir } from './sql-dir.ts';
export type { SchemaMigration } from './sql-dir.ts';
export { namePreparedStatements } from './prepared-statements.ts';

export {
  AUDIT_EVENT_TYPES,
  BATCH_STATUSES,
  BATCH_TYPES,
  COMMAND_STATUSES,
  TERMINAL_COMMAND_STATUSES,
  TROUBLESHOOTING_MOVE_EVENT,
  TROUBLESHOOTING_MOVE_EVENTS,
} from './model.ts';
export type { AuditEventType, BatchStatus, BatchType, CommandStatus } from './model.ts';

export {
  CommandBusError,
  INVALID_INPUT_CODES,
  InvalidInputError,
  STORED_PROCEDURE_ERROR_CODES,
  StoredProcedureError,
} from './errors.ts';
export type { InvalidInputCode, InvalidInputDetails, StoredProcedureErrorCode } from './errors.ts';

export {
  DOMAIN_PATTERN,
  MAX_PAGE_SIZE,
  UUID_PATTERN,
  assertDomain,
  assertUuid,
  ruleViolation,
} from './validation.ts';

export type {
  ArchivedPayloadRow,
  AuditRow,
  BatchRow,
  CommandRow,
  ReceivedCommandRow,
} from './rows.ts';

export { receiveCommand } from './procedures/receive-command.ts';
export type { ReceiveCommandInput } from './procedures/receive-command.ts';
export { finishCommand } from './procedures/finish-command.ts';
export type { FinishCommandInput } from './procedures/finish-command.ts';
export { failCommand } from './procedures/fail-command.ts';
export type { FailCommandInput } from './procedures/fail-command.ts';
export { updateBatchCounters } from './procedures/update-batch-counters.ts';
export type { UpdateBatchCountersInput } from './procedures/update-batch-counters.ts';
export { startBatch } from './procedures/start-batch.ts';
export { tsqComplete } from './procedures/tsq-complete.ts';
export { tsqCancel } from './procedures/tsq-cancel.ts';
export { tsqRetry } from './procedures/tsq-retry.ts';
export type { BatchRefInput } from './procedures/batch-input.ts';

export { insertCommands } from './queries/insert-commands.ts';
export { insertBatch } from './queries/insert-batch.ts';
export { insertAuditEvents } from './queries/insert-audit-events.ts';
export { archivePayloads } from './queries/archive-payloads.ts';
export { getArchivedPayload, getArchivedPayloads } from './queries/get-archived-payload.ts';
export { getCommand, getCommands } from './queries/get-command.ts';
export { lockCommand } from './queries/lock-command.ts';
export { lockOwnedCommand } from './queries/delivery-ownership.ts';
export { transitionCommand } from './queries/transition-command.ts';
export { getAuditTrail } from './queries/get-audit-trail.ts';
export { listCommands } from './queries/list-commands.ts';
export type { ListCommandsInput } from './queries/list-commands.ts';
export { getBatch } from './queries/get-batch.ts';
export { listBatches } from './queries/list-batches.ts';
export type { ListBatchesInput } from './queries/list-batches.ts';
export { notifyWorkers } from './queries/notify-workers.ts';

export { countCommandsByStatus, measureCompletionLatency } from './queries/command-stats.ts';
export type { CommandStatusCounts } from './queries/command-stats.ts';
export { receiveCommands } from './queries/receive-commands.ts';
export { readAndReceiveCommands } from './queries/read-and-receive-commands.ts';
export type { ReadReceivedMessage } from './queries/read-and-receive-commands.ts';
export { releaseCommands } from './queries/release-commands.ts';
export { extendLeases } from './queries/extend-leases.ts';
export { completeCommands } from './queries/complete-commands.ts';
export type { CompletedCommand } from './queries/complete-commands.ts';
export { enqueueCommands } from './queries/enqueue-commands.ts';
export {
  countTroubleshootingItems,
  listTroubleshootingIds,
  listTroubleshootingItems,
  lockCommands,
  requeueCommands,
  tsqRetryEach,
} from './queries/operator-queries.ts';
export { redactSecrets, redactUrl } from '@commandbus/errors';
