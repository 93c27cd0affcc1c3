// Figures over a domain's commands for progress displays and run summaries:
// one aggregate statement each, cheap enough to poll a few times a second.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { assertDomain } from '../validation.ts';

export interface StatsScope {
  readonly domain: string;
  /** Only commands created at or after this instant (e.g. one demo run's). */
  readonly since?: Date;
}

function sinceOf(scope: StatsScope): ReturnType<typeof sql.timestamp> {
  return sql.timestamp(scope.since ?? new Date(0));
}

const statusCountsRow = z.object({
  pending: z.number(),
  in_progress: z.number(),
  completed: z.number(),
  canceled: z.number(),
  in_troubleshooting: z.number(),
  retrying: z.number(),
  retried: z.number(),
  total: z.number(),
});

export interface CommandStatusCounts {
  readonly pending: number;
  readonly inProgress: number;
  readonly completed: number;
  readonly canceled: number;
  readonly inTroubleshooting: number;
  /** PENDING after at least one failed attempt: waiting for its retry. */
  readonly retrying: number;
  /** Received more than once, whatever the status now. */
  readonly retried: number;
  readonly total: number;
}

export async function countCommandsByStatus(
  db: CommonQueryMethods,
  input: StatsScope,
): Promise<CommandStatusCounts> {
  assertDomain(input.domain);
  const row = await db.one(sql.type(statusCountsRow)`
    SELECT
      count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
      count(*) FILTER (WHERE status = 'IN_PROGRESS')::int AS in_progress,
      count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
      count(*) FILTER (WHERE status = 'CANCELED')::int AS canceled,
      count(*) FILTER (WHERE status = 'IN_TROUBLESHOOTING_QUEUE')::int AS in_troubleshooting,
      count(*) FILTER (WHERE status = 'PENDING' AND attempts > 0)::int AS retrying,
      count(*) FILTER (WHERE attempts > 1)::int AS retried,
      count(*)::int AS total
    FROM commandbus.command
    WHERE domain = ${input.domain} AND created_at >= ${sinceOf(input)}
  `);
  return {
    pending: row.pending,
    inProgress: row.in_progress,
    completed: row.completed,
    canceled: row.canceled,
    inTroubleshooting: row.in_troubleshooting,
    retrying: row.retrying,
    retried: row.retried,
    total: row.total,
  };
}

const latencyRow = z.object({
  finished: z.number(),
  p50_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  first_created: z.string().nullable(),
  last_finished: z.string().nullable(),
});

export interface CompletionLatency {
  readonly finished: number;
  /** Median of created_at → updated_at (the finish) of COMPLETED commands. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly firstCreatedAt: Date | null;
  readonly lastFinishedAt: Date | null;
}

export async function measureCompletionLatency(
  db: CommonQueryMethods,
  input: StatsScope,
): Promise<CompletionLatency> {
  assertDomain(input.domain);
  const row = await db.one(sql.type(latencyRow)`
    SELECT
      count(*)::int AS finished,
      (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) * 1000)::float8 AS p50_ms,
      (percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) * 1000)::float8 AS p99_ms,
      min(created_at)::text AS first_created,
      max(updated_at)::text AS last_finished
    FROM commandbus.command
    WHERE domain = ${input.domain} AND status = 'COMPLETED' AND created_at >= ${sinceOf(input)}
  `);
  return {
    finished: row.finished,
    p50Ms: row.p50_ms,
    p99Ms: row.p99_ms,
    firstCreatedAt: row.first_created ? new Date(row.first_created) : null,
    lastFinishedAt: row.last_finished ? new Date(row.last_finished) : null,
  };
}
