// Read-only listings across every domain, for tools that look at a whole
// database (the operator CLI without --domain). An Operator reads one domain.
import type { DatabasePool } from 'slonik';
import type { BatchRow, CommandRow } from '@commandbus/commandbus-schema';
import type { QueueMetrics } from '@commandbus/pgmq';
import { queueFigures, searchBatches, searchCommands } from './inspection.ts';
import type { ListBatchesOptions, ListCommandsOptions } from './types.ts';

/** Commands of every domain, newest first. */
export function listCommandsOfEveryDomain(
  pool: DatabasePool,
  options: ListCommandsOptions = {},
): Promise<CommandRow[]> {
  return searchCommands(pool, undefined, options);
}

/** Batches of every domain, newest first. */
export function listBatchesOfEveryDomain(
  pool: DatabasePool,
  options: ListBatchesOptions = {},
): Promise<BatchRow[]> {
  return searchBatches(pool, undefined, options);
}

/** pgmq.metrics_all for every queue, by queue name. */
export function queueFiguresOfEveryDomain(pool: DatabasePool): Promise<QueueMetrics[]> {
  return queueFigures(pool, undefined);
}
