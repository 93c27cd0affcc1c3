// The API's JSON shapes as the browser sees them (dates are ISO strings).
// Shapes the server already sends as JSON values (no dates) are its own types.
import type { BoundedCount } from '../queries/bounded-count.ts';
import type { DomainOverview, Overview } from '../queries/overview.ts';
import type { QueueStats } from '../queries/queue-stats.ts';
import type {
  ActionSummary as ActionResultSummary,
  TroubleshootingAction,
} from '../server/bulk-actions.ts';

export type { BoundedCount, DomainOverview, Overview, QueueStats };

export interface Session {
  readonly user: string;
  readonly role: 'viewer' | 'operator';
  readonly csrfToken: string;
  readonly domains: readonly string[];
  readonly commandStatuses: readonly string[];
  readonly batchStatuses: readonly string[];
  readonly settledStatuses: readonly string[];
  readonly countCap: number;
  readonly bulkCap: number;
}

export interface CommandSummary {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly status: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly batchId: string | null;
  readonly correlationId: string | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
  readonly total?: BoundedCount;
}

export interface AuditEntry {
  readonly auditId: number;
  readonly eventType: string;
  readonly ts: string;
  readonly details: Record<string, unknown> | null;
}

export interface QueueMessage {
  readonly queueName: string;
  readonly place: 'queue' | 'archive';
  readonly msgId: string;
  readonly readCount: number;
  readonly enqueuedAt: string;
  readonly message: unknown;
}

export interface CommandStory {
  readonly command: Record<string, unknown> & {
    readonly domain: string;
    readonly commandId: string;
    readonly commandType: string;
    readonly status: string;
  };
  readonly lastError: { type: string | null; code: string | null; message: string | null } | null;
  readonly auditTrail: readonly AuditEntry[];
  readonly archivedPayload: { payload: unknown; archivedAt: string } | null;
  readonly message: QueueMessage | null;
  readonly reply: QueueMessage | null;
  readonly actions: readonly string[];
}

export interface BatchSummary {
  readonly domain: string;
  readonly batchId: string;
  readonly name: string | null;
  readonly status: string;
  readonly totalCount: number;
  readonly completedCount: number;
  readonly canceledCount: number;
  readonly inTroubleshootingCount: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

export interface BatchStory {
  readonly batch: BatchSummary & { customData: unknown };
  readonly auditTrail: readonly AuditEntry[];
  readonly commands: Page<CommandSummary>;
}

export type ActionName = TroubleshootingAction;

/** An action's result, with the count its confirmation stated when it was a bulk action. */
export interface ActionSummary extends ActionResultSummary {
  readonly expectedCount?: number;
}
