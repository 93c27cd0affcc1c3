// The value sets of the schema (statuses, event types, counter updates) as of
// its newest migration: one `as const` array each, from which the union type
// and the zod enum derive. migration.test.ts checks them against the CHECK
// constraints of the migrated database.
import { z } from 'zod';

export const COMMAND_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'CANCELED',
  'IN_TROUBLESHOOTING_QUEUE',
  'FAILED',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** A command in one of these never changes again and is never received again. */
export const TERMINAL_COMMAND_STATUSES = [
  'COMPLETED',
  'CANCELED',
  'FAILED',
] as const satisfies readonly CommandStatus[];
export type TerminalCommandStatus = (typeof TERMINAL_COMMAND_STATUSES)[number];

/** The statuses `sp_finish_command` moves a command to. */
export const FINISH_STATUSES = [
  'COMPLETED',
  'CANCELED',
  'IN_TROUBLESHOOTING_QUEUE',
  'FAILED',
] as const satisfies readonly CommandStatus[];
export type FinishStatus = (typeof FINISH_STATUSES)[number];

export const BATCH_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const AUDIT_EVENT_TYPES = [
  'SENT',
  'RECEIVED',
  'FAILED',
  'COMPLETED',
  'CANCELED',
  'MOVED_TO_TROUBLESHOOTING_QUEUE',
  'OPERATOR_RETRY',
  'OPERATOR_CANCEL',
  'OPERATOR_COMPLETE',
  'BATCH_STARTED',
  'BATCH_COMPLETED',
  'MOVED_TO_TSQ',
  'BUSINESS_RULE_FAILED',
  'RETRY_SCHEDULED',
  'RETRY_EXHAUSTED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * The event of a move to the troubleshooting queue: V002 on writes the first
 * (the name the Python library writes too); rows written before say the second.
 */
export const TROUBLESHOOTING_MOVE_EVENTS = [
  'MOVED_TO_TSQ',
  'MOVED_TO_TROUBLESHOOTING_QUEUE',
] as const satisfies readonly AuditEventType[];
export const TROUBLESHOOTING_MOVE_EVENT = TROUBLESHOOTING_MOVE_EVENTS[0];

/** `batch.batch_type`: plain batches are COMMAND; the Python library's process manager writes PROCESS. */
export const BATCH_TYPES = ['COMMAND', 'PROCESS'] as const;
export type BatchType = (typeof BATCH_TYPES)[number];

/** The `p_update_type` values of `sp_update_batch_counters`. */
export const BATCH_UPDATE_TYPES = [
  'complete',
  'cancel',
  'failed',
  'tsq_move',
  'tsq_complete',
  'tsq_cancel',
  'tsq_failed',
  'tsq_retry',
] as const;
export type BatchUpdateType = (typeof BATCH_UPDATE_TYPES)[number];

export const commandStatusSchema = z.enum(COMMAND_STATUSES);
export const terminalCommandStatusSchema = z.enum(TERMINAL_COMMAND_STATUSES);
export const finishStatusSchema = z.enum(FINISH_STATUSES);
export const batchStatusSchema = z.enum(BATCH_STATUSES);
export const auditEventTypeSchema = z.enum(AUDIT_EVENT_TYPES);
export const batchUpdateTypeSchema = z.enum(BATCH_UPDATE_TYPES);
export const batchTypeSchema = z.enum(BATCH_TYPES);

export function isTerminalCommandStatus(status: CommandStatus): status is TerminalCommandStatus {
  return (TERMINAL_COMMAND_STATUSES as readonly CommandStatus[]).includes(status);
}
