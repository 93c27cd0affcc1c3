// The value sets of the V001 schema (statuses, event types, counter updates):
// one `as const` array each, from which the union type and the zod enum derive.
// migration.test.ts checks them against the CHECK constraints of V001.
import { z } from 'zod';

export const COMMAND_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'CANCELED',
  'IN_TROUBLESHOOTING_QUEUE',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** A command in one of these never changes again and is never received again. */
export const TERMINAL_COMMAND_STATUSES = [
  'COMPLETED',
  'CANCELED',
] as const satisfies readonly CommandStatus[];
export type TerminalCommandStatus = (typeof TERMINAL_COMMAND_STATUSES)[number];

/** The statuses `sp_finish_command` moves a command to. */
export const FINISH_STATUSES = [
  'COMPLETED',
  'CANCELED',
  'IN_TROUBLESHOOTING_QUEUE',
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
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The `p_update_type` values of `sp_update_batch_counters`. */
export const BATCH_UPDATE_TYPES = [
  'complete',
  'cancel',
  'tsq_move',
  'tsq_complete',
  'tsq_cancel',
  'tsq_retry',
] as const;
export type BatchUpdateType = (typeof BATCH_UPDATE_TYPES)[number];

export const commandStatusSchema = z.enum(COMMAND_STATUSES);
export const terminalCommandStatusSchema = z.enum(TERMINAL_COMMAND_STATUSES);
export const finishStatusSchema = z.enum(FINISH_STATUSES);
export const batchStatusSchema = z.enum(BATCH_STATUSES);
export const auditEventTypeSchema = z.enum(AUDIT_EVENT_TYPES);
export const batchUpdateTypeSchema = z.enum(BATCH_UPDATE_TYPES);

export function isTerminalCommandStatus(status: CommandStatus): status is TerminalCommandStatus {
  return (TERMINAL_COMMAND_STATUSES as readonly CommandStatus[]).includes(status);
}
