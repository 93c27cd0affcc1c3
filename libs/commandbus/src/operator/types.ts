// The operator API's inputs and results (docs/lifecycle.md, "The troubleshooting queue").
import type {
  AuditRow,
  BatchRow,
  CommandRow,
  CommandStatus,
  ListBatchesInput,
  ListCommandsInput,
} from '@commandbus/commandbus-schema';

/** Default page size of the listings; the largest is MAX_PAGE_SIZE (1000). */
export const DEFAULT_PAGE_SIZE = 50;

export interface Paging {
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** Default 0. */
  readonly offset?: number;
}

export interface TroubleshootingFilter {
  readonly commandType?: string;
  readonly batchId?: string;
}

export interface ListTroubleshootingOptions extends TroubleshootingFilter, Paging {}

export interface CommandError {
  readonly type: string | null;
  readonly code: string | null;
  readonly message: string | null;
}

export interface TroubleshootingItem {
  readonly command: CommandRow;
  /** The error that sent it here; null only if none was recorded. */
  readonly lastError: CommandError | null;
  /** The archived message (the command envelope, or a broken message as it came). */
  readonly payload: unknown;
  readonly archivedAt: Date | null;
}

export interface TroubleshootingPage {
  readonly items: readonly TroubleshootingItem[];
  /** Items matching the filter, on every page. */
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** What an action on a troubleshooting item did. */
export interface OperatorActionResult {
  readonly domain: string;
  readonly commandId: string;
  /** The command's status after the action. */
  readonly status: CommandStatus;
  readonly batchId: string | null;
  /** True exactly when this action completed the command's batch. */
  readonly batchCompleted: boolean;
}

export interface RetryResult extends OperatorActionResult {
  /** The PGMQ message the command was re-enqueued as. */
  readonly msgId: number;
}

export interface ResolveResult extends OperatorActionResult {
  /** The queue the reply went to; null when the sender asked for none. */
  readonly replyQueue: string | null;
}

/** Which items a bulk retry takes: these ids, or every item matching a filter ({} = all). */
export type RetryManyTarget =
  { readonly commandIds: readonly string[] } | { readonly filter: TroubleshootingFilter };

export type RetryManyOutcome = 'retried' | 'not_in_troubleshooting' | 'not_found' | 'not_retryable';

export interface RetryManyItem {
  readonly commandId: string;
  readonly outcome: RetryManyOutcome;
  /** The new msg id (retried). */
  readonly msgId?: number;
  /** The status that prevented the retry (not_in_troubleshooting). */
  readonly status?: CommandStatus;
  /** Why the payload cannot be re-sent (not_retryable). */
  readonly reason?: string;
}

export interface RetryManyResult {
  readonly retried: number;
  readonly notInTroubleshooting: number;
  readonly notFound: number;
  readonly notRetryable: number;
  readonly items: readonly RetryManyItem[];
}

export interface CommandDetails {
  readonly command: CommandRow;
  /** The last error recorded on it, if any (kept after a retry or an operator decision). */
  readonly lastError: CommandError | null;
  /** Oldest first. */
  readonly auditTrail: readonly AuditRow[];
  /** The payload archived when it last entered the troubleshooting queue, if ever. */
  readonly archivedPayload: unknown;
}

/** listCommands' filters within the operator's domain (each omitted one matches everything), with optional paging. */
export type ListCommandsOptions = Omit<ListCommandsInput, 'domain' | 'limit' | 'offset'> & Paging;

export interface BatchDetails {
  readonly batch: BatchRow;
  /** BATCH_STARTED / BATCH_COMPLETED, oldest first. */
  readonly auditTrail: readonly AuditRow[];
}

/** listBatches' filters within the operator's domain (each omitted one matches everything), with optional paging. */
export type ListBatchesOptions = Omit<ListBatchesInput, 'domain' | 'limit' | 'offset'> & Paging;
