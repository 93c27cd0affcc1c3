// The worker's LISTEN connection is opened with the settings of the pool it
// is given, so a worker needs no second copy of the database URL.
import type pg from 'pg';
import type { DatabasePool } from 'slonik';

/**
 * `pg.Client` settings for the pool's database, or null when the pool does
 * not say how it connects (then the worker only polls). slonik keeps the URL
 * it was created with, and a password or TLS options given beside it.
 */
export function listenConnectionOf(pool: DatabasePool): pg.ClientConfig | null {
  const configuration = (pool as Partial<Pick<DatabasePool, 'configuration'>>).configuration;
  const connectionString = configuration?.connectionUri;
  if (typeof connectionString !== 'string' || connectionString === '') return null;
  return {
    connectionString,
    application_name: 'commandbus-listener',
    ...(configuration?.password === undefined ? {} : { password: configuration.password }),
    ...(configuration?.ssl === undefined ? {} : { ssl: configuration.ssl }),
  };
}
