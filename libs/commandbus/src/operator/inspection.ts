// The operator's read side: troubleshooting items, a command with its audit
// trail, command and batch listings, queue figures. Reads only; no locks.
import type { CommonQueryMethods } from 'slonik';
import {
  type BatchRow,
  type CommandRow,
  countTroubleshootingItems,
  getArchivedPayload,
  getAuditTrail,
  getBatch,
  getCommand,
  listBatches,
  listCommands,
  listTroubleshootingItems,
} from '@commandbus/commandbus-schema';
import { metricsAll, type QueueMetrics } from '@commandbus/pgmq';
import { BatchNotFoundError, CommandNotFoundError } from '../errors.ts';
import {
  DEFAULT_PAGE_SIZE,
  type BatchDetails,
  type CommandDetails,
  type CommandError,
  type ListBatchesOptions,
  type ListCommandsOptions,
  type ListTroubleshootingOptions,
  type TroubleshootingPage,
} from './types.ts';

function page(options: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: options.limit ?? DEFAULT_PAGE_SIZE, offset: options.offset ?? 0 };
}

export function lastErrorOf(row: CommandRow): CommandError | null {
  if (row.lastErrorType === null && row.lastErrorCode === null && row.lastErrorMsg === null) {
    return null;
  }
  return { type: row.lastErrorType, code: row.lastErrorCode, message: row.lastErrorMsg };
}

export async function listTroubleshooting(
  db: CommonQueryMethods,
  domain: string,
  options: ListTroubleshootingOptions,
): Promise<TroubleshootingPage> {
  const filter = { domain, commandType: options.commandType, batchId: options.batchId };
  const { limit, offset } = page(options);
  const rows = await listTroubleshootingItems(db, { ...filter, limit, offset });
  const total = await countTroubleshootingItems(db, filter);
  return {
    items: rows.map((row) => ({ ...row, lastError: lastErrorOf(row.command) })),
    total,
    limit,
    offset,
  };
}

export async function commandDetails(
  db: CommonQueryMethods,
  domain: string,
  commandId: string,
): Promise<CommandDetails> {
  const command = await getCommand(db, { domain, commandId });
  if (!command) throw new CommandNotFoundError(domain, commandId);
  const auditTrail = await getAuditTrail(db, { domain, commandId });
  const archived = await getArchivedPayload(db, { domain, commandId });
  return {
    command,
    lastError: lastErrorOf(command),
    auditTrail,
    archivedPayload: archived?.payload ?? null,
  };
}

/** Commands of one domain, or of every domain (`undefined`: the CLI's listing). */
export function searchCommands(
  db: CommonQueryMethods,
  domain: string | undefined,
  options: ListCommandsOptions,
): Promise<CommandRow[]> {
  return listCommands(db, {
    domain,
    status: options.status,
    commandType: options.commandType,
    batchId: options.batchId,
    createdAfter: options.createdAfter,
    createdBefore: options.createdBefore,
    ...page(options),
  });
}

export async function batchDetails(
  db: CommonQueryMethods,
  domain: string,
  batchId: string,
): Promise<BatchDetails> {
  const batch = await getBatch(db, { domain, batchId });
  if (!batch) throw new BatchNotFoundError(domain, batchId);
  const auditTrail = await getAuditTrail(db, { domain, commandId: batchId });
  return { batch, auditTrail };
}

/** Batches of one domain, or of every domain (`undefined`: the CLI's listing). */
export function searchBatches(
  db: CommonQueryMethods,
  domain: string | undefined,
  options: ListBatchesOptions,
): Promise<BatchRow[]> {
  return listBatches(db, { domain, status: options.status, ...page(options) });
}

/** pgmq.metrics_all of one domain's queues (`<domain>__…`), or of every queue. */
export async function queueFigures(
  db: CommonQueryMethods,
  domain: string | undefined,
): Promise<QueueMetrics[]> {
  const all = await metricsAll(db);
  const mine =
    domain === undefined ? all : all.filter((q) => q.queueName.startsWith(`${domain}__`));
  return mine.sort((a, b) => a.queueName.localeCompare(b.queueName));
}
