// The promises checked at the end of every scenario: every command reached the
// state it had to reach, effects = commands exactly, no message is left for a
// finished command, batch counters equal a recount, and each batch completed once.
import { sql, type DatabasePool, type FragmentSqlToken, type IdentifierSqlToken } from 'slonik';
import { z } from 'zod';
import { commandQueueName } from '@commandbus/commandbus/internals';

export const FINAL_STATUSES = ['COMPLETED', 'IN_TROUBLESHOOTING_QUEUE', 'CANCELED'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export interface Expectation {
  readonly status: FinalStatus;
  /** Whether a handler's effect must exist (false: operator-completed, canceled, or made to fail). */
  readonly effect: boolean;
}

export interface VerifyInput {
  readonly domain: string;
  readonly expected: ReadonlyMap<string, Expectation>;
  /** Announcements of "batch completed" (worker logs, operator results), by batch id. */
  readonly announcements?: (batchId: string) => number;
  /**
   * A worker SIGKILLed between its commit and its log line never announces:
   * then only "never twice" can be checked, not "exactly once".
   */
  readonly announcementsMayBeLost?: boolean;
  /** Every command must have been received exactly once (lease extension held). */
  readonly singleDelivery?: boolean;
  /**
   * No two finished runs of one command may overlap in time. Only where
   * nothing is killed or restarted: a run whose database connection died may
   * still be sleeping in its process while its successor starts, without
   * either committing twice. (A SIGKILLed run never records its end.)
   */
  readonly noOverlap?: boolean;
}

export interface Verdict {
  readonly commands: number;
  readonly executions: number;
  readonly effects: number;
  readonly lost: number;
  readonly duplicated_effects: number;
  readonly stuck: number;
  readonly overlaps: number;
  readonly violations: readonly string[];
}

const count = z.object({ n: z.number() });
const stateRow = z.object({
  command_id: z.string(),
  expected_status: z.string(),
  expected_effect: z.boolean(),
  status: z.string().nullable(),
  attempts: z.number().nullable(),
  has_effect: z.boolean(),
});
const batchRow = z.object({
  batch_id: z.string(),
  status: z.string(),
  total_count: z.number(),
  completed_count: z.number(),
  canceled_count: z.number(),
  in_troubleshooting_count: z.number(),
  n: z.number(),
  completed: z.number(),
  canceled: z.number(),
  in_tsq: z.number(),
  completed_events: z.number(),
});

/** Commands of `expected` not yet where they must end, plus messages left in the domain's queue. */
export async function unsettled(
  pool: DatabasePool,
  input: Pick<VerifyInput, 'domain' | 'expected'>,
): Promise<number> {
  const { ids, statuses } = columns(input.expected);
  const pending = await pool.oneFirst(sql.type(count)`
    SELECT count(*)::int AS n
      FROM unnest(${sql.array(ids, 'uuid')}, ${sql.array(statuses, 'text')}) AS e(command_id, status)
      LEFT JOIN commandbus.command AS c ON c.domain = ${input.domain} AND c.command_id = e.command_id
     WHERE c.status IS DISTINCT FROM e.status`);
  return pending + (await queueDepth(pool, input.domain));
}

export async function verify(pool: DatabasePool, input: VerifyInput): Promise<Verdict> {
  const { domain, expected } = input;
  const violations: string[] = [];
  const { ids, statuses, effects: wantEffects } = columns(expected);
  const rows = await pool.any(sql.type(stateRow)`
    SELECT e.command_id::text, e.expected_status, e.expected_effect, c.status, c.attempts,
           (f.command_id IS NOT NULL) AS has_effect
      FROM unnest(${sql.array(ids, 'uuid')}, ${sql.array(statuses, 'text')}, ${sql.array(wantEffects, 'bool')})
           AS e(command_id, expected_status, expected_effect)
      LEFT JOIN commandbus.command AS c ON c.domain = ${domain} AND c.command_id = e.command_id
      LEFT JOIN chaos.effect AS f ON f.command_id = e.command_id`);

  let lost = 0;
  let stuck = 0;
  let unwantedEffects = 0;
  for (const row of rows) {
    if (row.status === null) lost += 1;
    else if (row.status !== row.expected_status) stuck += 1;
    else if (row.expected_effect && !row.has_effect) lost += 1;
    if (row.has_effect && !row.expected_effect) unwantedEffects += 1;
  }
  note(violations, lost, 'commands or effects lost');
  note(violations, stuck, 'commands not in their final state');
  note(violations, unwantedEffects, 'effects of commands that must have none');
  if (input.singleDelivery) {
    note(
      violations,
      rows.filter((row) => (row.attempts ?? 0) > 1).length,
      'commands received more than once',
    );
  }

  const leftInQueue = await queueDepth(pool, domain);
  note(violations, leftInQueue, `messages left in ${commandQueueName(domain)}`);
  stuck += leftInQueue;

  const strangers = await countRows(
    pool,
    sql.fragment`commandbus.command
     WHERE domain = ${domain} AND NOT (command_id = ANY(${sql.array(ids, 'uuid')}))`,
  );
  note(violations, strangers, 'commands nobody sent');

  const effects = await countRows(pool, sql.fragment`chaos.effect WHERE domain = ${domain}`);
  const executions = await countRows(pool, sql.fragment`chaos.execution WHERE domain = ${domain}`);
  const duplicateRuns = await countRows(
    pool,
    sql.fragment`chaos.execution WHERE domain = ${domain} AND outcome = 'duplicate'`,
  );
  note(violations, duplicateRuns, 'handler runs that found their effect already committed');
  const overlaps = await pool.oneFirst(sql.type(count)`
    SELECT count(*)::int AS n
      FROM chaos.execution AS a
      JOIN chaos.execution AS b
        ON b.domain = a.domain AND b.command_id = a.command_id AND b.execution_id > a.execution_id
     WHERE a.domain = ${domain}
       AND b.started_at < a.ended_at AND a.started_at < b.ended_at`);
  if (input.noOverlap)
    note(violations, overlaps, 'pairs of runs of one command that overlapped in time');
  if (overlaps > 0 && process.env.CHAOS_DEBUG) {
    const samples = await pool.any(sql.type(z.object({ line: z.string() }))`
      SELECT format('%s: a=(attempt %s pid %s %s..%s %s) b=(attempt %s pid %s %s..%s %s)', a.command_id,
                    a.attempt, a.worker_pid, a.started_at::time, a.ended_at::time, a.outcome,
                    b.attempt, b.worker_pid, b.started_at::time, b.ended_at::time, b.outcome) AS line
        FROM chaos.execution AS a
        JOIN chaos.execution AS b
          ON b.domain = a.domain AND b.command_id = a.command_id AND b.execution_id > a.execution_id
       WHERE a.domain = ${domain}
         AND b.started_at < a.ended_at AND a.started_at < b.ended_at
       LIMIT 8`);
    for (const sample of samples) console.log(`  overlap ${sample.line}`);
  }

  violations.push(...(await checkBatches(pool, input)));

  return {
    commands: expected.size,
    executions,
    effects,
    lost,
    duplicated_effects: duplicateRuns + unwantedEffects,
    stuck,
    overlaps,
    violations,
  };
}

async function checkBatches(pool: DatabasePool, input: VerifyInput): Promise<string[]> {
  const violations: string[] = [];
  const batches = await pool.any(sql.type(batchRow)`
    SELECT b.batch_id::text, b.status, b.total_count, b.completed_count, b.canceled_count, b.in_troubleshooting_count,
           count(c.command_id)::int AS n,
           (count(*) FILTER (WHERE c.status = 'COMPLETED'))::int AS completed,
           (count(*) FILTER (WHERE c.status = 'CANCELED'))::int AS canceled,
           (count(*) FILTER (WHERE c.status = 'IN_TROUBLESHOOTING_QUEUE'))::int AS in_tsq,
           (SELECT count(*)::int FROM commandbus.audit AS a
             WHERE a.domain = b.domain AND a.command_id = b.batch_id AND a.event_type = 'BATCH_COMPLETED') AS completed_events
      FROM commandbus.batch AS b
      LEFT JOIN commandbus.command AS c ON c.domain = b.domain AND c.batch_id = b.batch_id
     WHERE b.domain = ${input.domain}
     GROUP BY b.domain, b.batch_id`);
  for (const b of batches) {
    const recount = [b.n, b.completed, b.canceled, b.in_tsq].join('/');
    const stored = [
      b.total_count,
      b.completed_count,
      b.canceled_count,
      b.in_troubleshooting_count,
    ].join('/');
    if (recount !== stored) {
      violations.push(
        `batch ${b.batch_id}: counters total/completed/canceled/tsq ${stored}, recount ${recount}`,
      );
    }
    const complete = b.completed + b.canceled === b.n && b.in_tsq === 0;
    const wantStatus = complete ? (b.canceled > 0 ? 'COMPLETED_WITH_FAILURES' : 'COMPLETED') : null;
    if (wantStatus && b.status !== wantStatus)
      violations.push(`batch ${b.batch_id}: status ${b.status}, expected ${wantStatus}`);
    if (!wantStatus && b.status.startsWith('COMPLETED'))
      violations.push(`batch ${b.batch_id}: ${b.status} with work left`);
    if (b.completed_events !== (complete ? 1 : 0)) {
      violations.push(`batch ${b.batch_id}: ${b.completed_events} BATCH_COMPLETED audit rows`);
    }
    const announced = input.announcements?.(b.batch_id);
    if (announced !== undefined) {
      const ok = input.announcementsMayBeLost
        ? announced <= (complete ? 1 : 0)
        : announced === (complete ? 1 : 0);
      if (!ok) violations.push(`batch ${b.batch_id}: announced completed ${announced} times`);
    }
  }
  return violations;
}

/**
 * Before any worker runs: the domain holds exactly `n` commands, `n` SENT
 * audit rows and `n` messages in its queue (duplicate storm). The queue is
 * counted, not PGMQ's msg_id sequence: a message a sender inserted and took
 * back in the same statement, having lost the race for its command, was
 * never visible to anyone and still uses up an id.
 */
export async function checkExactlyOnceSent(
  pool: DatabasePool,
  domain: string,
  n: number,
): Promise<string[]> {
  const commands = await countRows(pool, sql.fragment`commandbus.command WHERE domain = ${domain}`);
  const sent = await countRows(
    pool,
    sql.fragment`commandbus.audit WHERE domain = ${domain} AND event_type = 'SENT'`,
  );
  const messages = await queueDepth(pool, domain);
  const violations: string[] = [];
  if (commands !== n) violations.push(`${commands} commands, expected exactly ${n}`);
  if (sent !== n) violations.push(`${sent} SENT audit rows, expected exactly ${n}`);
  if (messages !== n) violations.push(`${messages} messages in the queue, expected exactly ${n}`);
  return violations;
}

async function queueDepth(pool: DatabasePool, domain: string): Promise<number> {
  return countRows(pool, sql.identifier(['pgmq', `q_${commandQueueName(domain)}`]));
}

/** `SELECT count(*) FROM <from>`: `from` is a table, or a table and its WHERE clause. */
function countRows(
  pool: DatabasePool,
  from: FragmentSqlToken | IdentifierSqlToken,
): Promise<number> {
  return pool.oneFirst(sql.type(count)`SELECT count(*)::int AS n FROM ${from}`);
}

function columns(expected: ReadonlyMap<string, Expectation>) {
  const entries = [...expected];
  return {
    ids: entries.map(([id]) => id),
    statuses: entries.map(([, e]) => e.status),
    effects: entries.map(([, e]) => e.effect),
  };
}

function note(violations: string[], n: number, what: string): void {
  if (n > 0) violations.push(`${n} ${what}`);
}
