// Bulk retry: many ids, or every troubleshooting item matching a filter, with
// a count of what happened to each. Chunks of CHUNK_SIZE commands, each one
// transaction with set-based statements (lock, send_batch, update, audit).
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import {
  assertUuid,
  getArchivedPayloads,
  listTroubleshootingIds,
  lockCommands,
  ruleViolation,
} from '@commandbus/commandbus-schema';
import { requeueItems, retryableEnvelope, type RetryableItem } from './requeue.ts';
import type { RetryManyItem, RetryManyResult, RetryManyTarget } from './types.ts';

/**
 * Big enough that a thousand items take a few round trips, small enough that
 * one transaction does not hold thousands of row locks while workers wait.
 */
export const CHUNK_SIZE = 500;

/** Validates the target (nothing written on bad input) and returns the ids to try, deduplicated. */
export async function resolveRetryTargets(
  pool: DatabasePool,
  domain: string,
  target: RetryManyTarget,
): Promise<string[]> {
  if ('commandIds' in target) {
    if (!Array.isArray(target.commandIds)) {
      throw ruleViolation('INVALID_ARGUMENT', 'commandIds', 'must be an array', target.commandIds);
    }
    target.commandIds.forEach((id, i) => assertUuid(`commandIds[${i}]`, id));
    // PostgreSQL spells uuids in lower case; so do we, to match rows to ids.
    return [...new Set(target.commandIds.map((id) => id.toLowerCase()))];
  }
  if ('filter' in target && typeof target.filter === 'object' && target.filter !== null) {
    // A snapshot: items that fail straight back into the queue are not retried twice.
    return listTroubleshootingIds(pool, { domain, ...target.filter });
  }
  throw ruleViolation('INVALID_ARGUMENT', 'target', 'must be { commandIds } or { filter }', target);
}

export async function retryMany(
  pool: DatabasePool,
  domain: string,
  commandIds: readonly string[],
  actor: string | undefined,
): Promise<RetryManyResult> {
  const items: RetryManyItem[] = [];
  for (let start = 0; start < commandIds.length; start += CHUNK_SIZE) {
    const chunk = commandIds.slice(start, start + CHUNK_SIZE);
    items.push(...(await pool.transaction((tx) => retryChunk(tx, domain, chunk, actor))));
  }
  const count = (outcome: RetryManyItem['outcome']) =>
    items.filter((item) => item.outcome === outcome).length;
  return {
    retried: count('retried'),
    notInTroubleshooting: count('not_in_troubleshooting'),
    notFound: count('not_found'),
    notRetryable: count('not_retryable'),
    items,
  };
}

async function retryChunk(
  tx: CommonQueryMethods,
  domain: string,
  commandIds: readonly string[],
  actor: string | undefined,
): Promise<RetryManyItem[]> {
  const rows = new Map(
    (await lockCommands(tx, { domain, commandIds })).map((row) => [row.commandId, row]),
  );
  const inTroubleshooting = [...rows.values()].filter(
    (row) => row.status === 'IN_TROUBLESHOOTING_QUEUE',
  );
  const payloads = new Map(
    (
      await getArchivedPayloads(tx, {
        domain,
        commandIds: inTroubleshooting.map((row) => row.commandId),
      })
    ).map((payload) => [payload.commandId, payload]),
  );

  const outcomes = new Map<string, RetryManyItem>();
  const retryable: RetryableItem[] = [];
  for (const commandId of commandIds) {
    const row = rows.get(commandId);
    if (!row) {
      outcomes.set(commandId, { commandId, outcome: 'not_found' });
    } else if (row.status !== 'IN_TROUBLESHOOTING_QUEUE') {
      outcomes.set(commandId, { commandId, outcome: 'not_in_troubleshooting', status: row.status });
    } else {
      const check = retryableEnvelope(row, payloads.get(commandId));
      if ('reason' in check) {
        outcomes.set(commandId, { commandId, outcome: 'not_retryable', reason: check.reason });
      } else {
        retryable.push({ row, envelope: check.envelope });
      }
    }
  }
  for (const requeued of await requeueItems(tx, domain, retryable, actor)) {
    outcomes.set(requeued.commandId, {
      commandId: requeued.commandId,
      outcome: 'retried',
      msgId: requeued.msgId,
    });
  }
  return commandIds.map(
    (commandId) => outcomes.get(commandId) ?? { commandId, outcome: 'not_found' },
  );
}
