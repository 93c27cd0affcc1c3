// A command's or a batch's whole story, read on the request's read-only
// transaction: the row, its audit trail, the archived payload, and the
// command's current message and reply from PGMQ.
import type { CommonQueryMethods } from 'slonik';
import { BatchNotFoundError, CommandNotFoundError } from '@commandbus/commandbus';
import type { AuditRow, BatchRow, CommandRow } from '@commandbus/commandbus';
import {
  getArchivedPayload,
  getAuditTrail,
  getBatch,
  getCommand,
} from '@commandbus/commandbus-schema';
import { commandMessages, type QueueMessage } from './command-messages.ts';

export interface CommandStory {
  readonly command: CommandRow;
  readonly lastError: { type: string | null; code: string | null; message: string | null } | null;
  /** Oldest first. */
  readonly auditTrail: readonly AuditRow[];
  /** What the worker archived when the command entered the troubleshooting queue. */
  readonly archivedPayload: { payload: unknown; archivedAt: Date } | null;
  /** The command's current PGMQ message, waiting or archived; null once deleted. */
  readonly message: QueueMessage | null;
  readonly reply: QueueMessage | null;
}

export async function readCommandDetails(
  db: CommonQueryMethods,
  domain: string,
  commandId: string,
): Promise<CommandStory> {
  const command = await getCommand(db, { domain, commandId });
  if (!command) throw new CommandNotFoundError(domain, commandId);
  const auditTrail = await getAuditTrail(db, { domain, commandId });
  const archived = await getArchivedPayload(db, { domain, commandId });
  const hasError =
    command.lastErrorType !== null ||
    command.lastErrorCode !== null ||
    command.lastErrorMsg !== null;
  return {
    command,
    lastError: hasError
      ? { type: command.lastErrorType, code: command.lastErrorCode, message: command.lastErrorMsg }
      : null,
    auditTrail,
    archivedPayload: archived
      ? { payload: archived.payload, archivedAt: archived.archivedAt }
      : null,
    ...(await commandMessages(db, command)),
  };
}

export interface BatchStory {
  readonly batch: BatchRow;
  readonly auditTrail: readonly AuditRow[];
}

export async function readBatchDetails(
  db: CommonQueryMethods,
  domain: string,
  batchId: string,
): Promise<BatchStory> {
  const batch = await getBatch(db, { domain, batchId });
  if (!batch) throw new BatchNotFoundError(domain, batchId);
  return { batch, auditTrail: await getAuditTrail(db, { domain, commandId: batchId }) };
}
