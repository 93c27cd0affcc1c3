// The database gauges of one domain in one statement, sampled at most once per
// interval however often Prometheus scrapes: a scrape never costs a query per
// gauge, and a burst of scrapes shares the sample in flight.
import type { Logger } from 'pino';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

export interface DomainGauges {
  readonly queue: {
    /** A read would get them now. */
    readonly visible: number;
    /** Invisible and read before: a handler's lease, or a retry's backoff. */
    readonly leased: number;
    /** Invisible and never read: sent with a delay. */
    readonly delayed: number;
  };
  readonly oldestMessageAgeSeconds: number;
  readonly commandsInProgress: number;
  readonly troubleshooting: number;
  readonly batchesInProgress: number;
}

// Counts come back as float8: a gauge is a float anyway, and an int8 would
// arrive as a bigint.
const countSchema = z.number().int().nonnegative();

const sampleRow = z.object({
  visible: countSchema,
  leased: countSchema,
  delayed: countSchema,
  oldest_age_seconds: z.number().nonnegative(),
  in_progress: countSchema,
  troubleshooting: countSchema,
  batches_in_progress: countSchema,
});

export async function sampleDomainGauges(
  db: CommonQueryMethods,
  input: { readonly domain: string; readonly queue: string },
): Promise<DomainGauges> {
  const row = await db.one(sql.type(sampleRow)`
    SELECT count(*) FILTER (WHERE q.vt <= clock_timestamp())::float8 AS visible,
           count(*) FILTER (WHERE q.vt > clock_timestamp() AND q.read_ct > 0)::float8 AS leased,
           count(*) FILTER (WHERE q.vt > clock_timestamp() AND q.read_ct = 0)::float8 AS delayed,
           COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(q.enqueued_at)), 0)::float8
             AS oldest_age_seconds,
           (SELECT count(*) FROM commandbus.command c
             WHERE c.domain = ${input.domain} AND c.status = 'IN_PROGRESS')::float8 AS in_progress,
           (SELECT count(*) FROM commandbus.command c
             WHERE c.domain = ${input.domain} AND c.status = 'IN_TROUBLESHOOTING_QUEUE')::float8
             AS troubleshooting,
           (SELECT count(*) FROM commandbus.batch b
             WHERE b.domain = ${input.domain} AND b.status = 'IN_PROGRESS')::float8
             AS batches_in_progress
      FROM ${sql.identifier(['pgmq', `q_${input.queue}`])} q`);
  return {
    queue: { visible: row.visible, leased: row.leased, delayed: row.delayed },
    oldestMessageAgeSeconds: row.oldest_age_seconds,
    commandsInProgress: row.in_progress,
    troubleshooting: row.troubleshooting,
    batchesInProgress: row.batches_in_progress,
  };
}

/** Caches the last sample for `intervalMs`; concurrent callers share the one in flight. */
export class DomainGaugeSampler {
  readonly #db: CommonQueryMethods;
  readonly #input: { readonly domain: string; readonly queue: string };
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #last: { at: number; sample: Promise<DomainGauges | undefined> } | undefined;

  constructor(options: {
    db: CommonQueryMethods;
    domain: string;
    queue: string;
    intervalMs: number;
    logger: Logger;
  }) {
    this.#db = options.db;
    this.#input = { domain: options.domain, queue: options.queue };
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
  }

  sample(): Promise<DomainGauges | undefined> {
    const now = performance.now();
    if (this.#last && now - this.#last.at < this.#intervalMs) return this.#last.sample;
    const sample = sampleDomainGauges(this.#db, this.#input).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not sample the gauges of the domain');
      // Not cached: the next scrape tries again.
      this.#last = undefined;
      return undefined;
    });
    this.#last = { at: now, sample };
    return sample;
  }
}
