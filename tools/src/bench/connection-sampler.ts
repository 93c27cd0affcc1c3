// The peak number of client connections a scenario holds on its database,
// sampled from pg_stat_activity by the parent while the run phase runs, on a
// connection of its own to another database (so it never counts itself).
import pg from 'pg';
import { z } from 'zod';

/** How often pg_stat_activity is read: short next to any drain, cheap for the server. */
const SAMPLE_MS = 20;

/**
 * The worker's LISTEN connection carries this application_name; it is not
 * a pool connection, so the pool budget does not count it.
 */
export const LISTENER_APPLICATION_NAME = 'commandbus-listener';

const countRow = z.object({ n: z.coerce.number().int() });

export interface ConnectionSampler {
  /** Samples taken so far. */
  readonly samples: number;
  /** Stops sampling; resolves with the highest count seen. */
  stop(): Promise<number>;
}

export async function sampleConnections(
  adminUrl: string,
  database: string,
): Promise<ConnectionSampler> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let peak = 0;
  let samples = 0;
  let stopped = false;
  let failure: unknown;
  const sampleOnce = async () => {
    const result = await client.query({
      name: 'bench_sample_connections',
      text: `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = $1 AND backend_type = 'client backend'
                AND application_name IS DISTINCT FROM $2`,
      values: [database, LISTENER_APPLICATION_NAME],
    });
    peak = Math.max(peak, countRow.parse(result.rows[0]).n);
    samples += 1;
  };
  // One sample at a time, each SAMPLE_MS after the last one ended.
  const loop = (async () => {
    while (!stopped) {
      await sampleOnce().catch((error: unknown) => {
        failure ??= error;
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    get samples() {
      return samples;
    },
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      if (failure) throw new Error('sampling pg_stat_activity failed', { cause: failure });
      return peak;
    },
  };
}
