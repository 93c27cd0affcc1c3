// Opening the pool a producer, worker or operator runs on, with one clear
// error when the database cannot be reached, and never the password in it.
import { createPool, sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import {
  CommandBusError,
  namePreparedStatements,
  redactSecrets,
  redactUrl,
} from '@commandbus/commandbus-schema';

export class DatabaseUnavailableError extends CommandBusError {
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super('DATABASE_UNAVAILABLE', `cannot connect to ${redactUrl(url)}: ${reason}`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface OpenPoolOptions {
  readonly maximumPoolSize?: number;
  /**
   * Run `DISCARD ALL` whenever a connection goes back to the pool (slonik's
   * default). Off by default: the command bus leaves no session state behind,
   * and the extra round trip per checkout costs throughput. Turn it on if
   * your handlers change session settings (`SET` without `LOCAL`).
   */
  readonly discardSessionState?: boolean;
  /**
   * Let the bus's send, receive and complete statements be named prepared
   * statements, parsed and planned once per connection. Default true (and
   * always off with `discardSessionState`). Turn it off behind PgBouncer in
   * transaction mode older than 1.21, which cannot keep them. A slonik pool
   * of your own gets them by adding `namePreparedStatements` to its
   * interceptors (only if its connections keep their sessions).
   */
  readonly preparedStatements?: boolean;
  /** How long to wait for the first connection. Default 5 s. */
  readonly connectionTimeoutMs?: number;
}

/** Creates a slonik pool and proves it can connect, or throws DatabaseUnavailableError. */
export async function openPool(url: string, options: OpenPoolOptions = {}): Promise<DatabasePool> {
  try {
    new URL(url);
  } catch {
    throw new DatabaseUnavailableError(url, 'not a valid postgres:// URL');
  }
  let pool: DatabasePool | undefined;
  try {
    pool = await createPool(url, {
      maximumPoolSize: options.maximumPoolSize ?? 10,
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      ...(options.discardSessionState ? {} : { resetConnection: async () => undefined }),
      interceptors:
        options.preparedStatements !== false && !options.discardSessionState
          ? [namePreparedStatements]
          : [],
    });
    await pool.oneFirst(sql.type(z.object({ ok: z.number() }))`SELECT 1 AS ok`);
    return pool;
  } catch (error) {
    await pool?.end().catch(() => undefined);
    const reason = connectFailureReason(error);
    throw new DatabaseUnavailableError(url, redactSecrets(reason, url), { cause: error });
  }
}

/**
 * One line on why the pool could not be opened. slonik checks its
 * connection options with zod, whose message is the issues as multi-line
 * JSON (its first line is "["): those are named option by option instead.
 */
function connectFailureReason(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
