// What `/readyz` checks for a worker: the database answers, the LISTEN
// connection is up (when the worker has one), and the lease rounds are not
// stalled. Each check resolves to a reason when it fails.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { ReadinessCheck } from './metrics-server.ts';

export interface ReadinessSources {
  readonly db: CommonQueryMethods;
  /** Undefined when the worker polls without LISTEN: then nothing to check. */
  readonly listener: { readonly listening: boolean } | undefined;
  readonly leases: { stalled(): string | undefined };
  readonly timeoutMs: number;
}

export function readinessChecks(sources: ReadinessSources): Record<string, ReadinessCheck> {
  return {
    database: () => databaseAnswers(sources.db, sources.timeoutMs),
    listen: async () =>
      sources.listener === undefined || sources.listener.listening
        ? undefined
        : 'LISTEN connection down (polling until it is back)',
    leases: async () => sources.leases.stalled(),
  };
}

async function databaseAnswers(
  db: CommonQueryMethods,
  timeoutMs: number,
): Promise<string | undefined> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      db.oneFirst(sql.type(z.object({ ok: z.number() }))`SELECT 1 AS ok`).then(() => undefined),
      sleep(timeoutMs, `no answer within ${timeoutMs} ms`, { signal: timeout.signal }),
    ]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    timeout.abort();
  }
}
