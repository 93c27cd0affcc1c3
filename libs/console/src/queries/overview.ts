// The overview: per domain, bounded counts by status, open batches, the
// command queue's figures and the finished-per-minute series of the last hour.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  BATCH_STATUSES,
  COMMAND_STATUSES,
  commandQueueName,
} from '@commandbus/commandbus/internals';
import type { CommandStatus } from '@commandbus/commandbus';
import { boundedCount, boundedCountSql, type BoundedCount } from './bounded-count.ts';
import { listDomains } from './domains.ts';
import { listQueueNames, queueStats, type QueueStats } from './queue-stats.ts';

/** Statuses a command leaves the workers' hands in: the chart's series. */
export const SETTLED_STATUSES = COMMAND_STATUSES.filter(
  (status) => status !== 'PENDING' && status !== 'IN_PROGRESS',
);
/**
 * Statuses the overview counts: every one a command can still leave (all but
 * the settled ones), and the troubleshooting queue, which waits for an
 * operator. Finished commands only grow in number; the chart shows their rate.
 */
export const OPEN_STATUSES = COMMAND_STATUSES.filter(
  (status) =>
    !(SETTLED_STATUSES as readonly string[]).includes(status) ||
    status === 'IN_TROUBLESHOOTING_QUEUE',
);
/** Batches that still wait for commands. */
const OPEN_BATCH_STATUSES = BATCH_STATUSES.filter((status) => !status.startsWith('COMPLETED'));

export interface DomainOverview {
  readonly domain: string;
  /** The open statuses (OPEN_STATUSES) only. */
  readonly statusCounts: Partial<Record<CommandStatus, BoundedCount>>;
  readonly openBatches: BoundedCount;
  /** The domain's command queue; null when it has none. */
  readonly queue: QueueStats | null;
  /** One entry per minute, oldest first; counts by settled status. */
  readonly perMinute: readonly { minute: string; counts: Record<string, number> }[];
}

export interface Overview {
  readonly now: string;
  readonly settledStatuses: readonly string[];
  readonly domains: readonly DomainOverview[];
}

const statusCountRow = z.object({ domain: z.string(), status: z.string(), n: z.number() });
const openBatchRow = z.object({ domain: z.string(), n: z.number() });
const minuteRow = z.object({
  domain: z.string(),
  status: z.string(),
  minute: z.string(),
  n: z.number(),
});
const nowRow = z.object({ now: z.string(), first: z.string() });

export async function readOverview(
  db: CommonQueryMethods,
  options: {
    /** Cap of the queue and batch counts. */
    readonly cap: number;
    /** Cap of the counts by status (each counted row is a heap visit). */
    readonly statusCap: number;
    readonly minutes: number;
    readonly domain?: string;
  },
): Promise<Overview> {
  const domains = options.domain === undefined ? await listDomains(db) : [options.domain];
  const { cap, minutes, statusCap } = options;
  const domainArray = sql.array(domains, 'text');
  // One subquery per (domain, status) with its own values, so each is
  // planned for them: a rare status is read through ix_command_status_type,
  // a small domain through uq_command_domain_cmdid. One correlated subquery
  // over unnest() got one plan for all, and scanned a whole domain for a rare
  // status.
  const pairs = domains.flatMap((domain) => OPEN_STATUSES.map((status) => ({ domain, status })));
  const counts = pairs.length
    ? (
        await db.any(
          sql.type(statusCountRow)`${sql.join(
            pairs.map(
              ({
                domain,
                status,
              }) => sql.fragment`SELECT ${domain}::text AS domain, ${status}::text AS status,
              ${boundedCountSql(
                // IS TRUE keeps the planner off uq_command_domain_cmdid: ANDing a
                // whole domain's index range with the status's costs more than
                // visiting the status's rows, which the cap bounds.
                sql.fragment`commandbus.command AS c
                  WHERE c.status = ${status} AND (c.domain = ${domain}) IS TRUE`,
                statusCap,
              )} AS n`,
            ),
            sql.fragment` UNION ALL `,
          )}`,
        )
      ).map((row) => statusCountRow.parse(row))
    : [];
  const batches = (
    await db.any(sql.type(openBatchRow)`
    SELECT d.domain,
           ${boundedCountSql(
             sql.fragment`commandbus.batch AS b WHERE b.domain = d.domain
               AND b.status = ANY(${sql.array(OPEN_BATCH_STATUSES, 'text')})`,
             cap,
           )} AS n
      FROM unnest(${domainArray}) AS d(domain)
  `)
  ).map((row) => openBatchRow.parse(row));
  const clock = nowRow.parse(
    await db.one(sql.type(nowRow)`
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now,
           to_char(date_trunc('minute', now() AT TIME ZONE 'UTC') - make_interval(mins => ${minutes - 1}),
                   'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS first
  `),
  );
  // ix_command_updated: only the last hour's changes are read. A settled
  // command never changes again, so updated_at is when it settled.
  const minuteRows = (
    await db.any(sql.type(minuteRow)`
    SELECT domain, status,
           to_char(date_trunc('minute', updated_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS minute,
           count(*)::int AS n
      FROM commandbus.command
     WHERE updated_at >= ${clock.first}::timestamptz
       AND status = ANY(${sql.array(SETTLED_STATUSES, 'text')})
       AND domain = ANY(${domainArray})
     GROUP BY 1, 2, 3
  `)
  ).map((row) => minuteRow.parse(row));
  const queueNames = new Set(await listQueueNames(db));
  const result: DomainOverview[] = [];
  for (const domain of domains) {
    const statusCounts = Object.fromEntries(
      OPEN_STATUSES.map((status) => {
        const row = counts.find((c) => c.domain === domain && c.status === status);
        return [status, boundedCount(row?.n ?? 0, statusCap)];
      }),
    ) as Partial<Record<CommandStatus, BoundedCount>>;
    const queueName = commandQueueName(domain);
    result.push({
      domain,
      statusCounts,
      openBatches: boundedCount(batches.find((b) => b.domain === domain)?.n ?? 0, cap),
      queue: queueNames.has(queueName) ? await queueStats(db, queueName, cap) : null,
      perMinute: minuteSeries(
        clock.first,
        minutes,
        minuteRows.filter((r) => r.domain === domain),
      ),
    });
  }
  return { now: clock.now, settledStatuses: SETTLED_STATUSES, domains: result };
}

function minuteSeries(
  first: string,
  minutes: number,
  rows: readonly z.infer<typeof minuteRow>[],
): DomainOverview['perMinute'] {
  const start = Date.parse(first);
  return Array.from({ length: minutes }, (_, i) => {
    const minute = new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z');
    const counts = Object.fromEntries(SETTLED_STATUSES.map((status) => [status, 0]));
    for (const row of rows) if (row.minute === minute) counts[row.status] = row.n;
    return { minute, counts };
  });
}
