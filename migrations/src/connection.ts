// One plain pg.Client per run: the advisory lock is held by a session, and a
// whole migration file goes through the simple query protocol, which runs a
// multi-statement script (a pool could hand out a different session).
import pg from 'pg';
import { MigrationError } from './errors.ts';
import type { Logger } from './logger.ts';
import { redactUrl } from '@commandbus/errors';

export async function withConnection<T>(
  url: string,
  log: Logger,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, application_name: 'commandbus-migrations' });
    // A server-side disconnect also rejects the pending query; without this
    // listener the same event would crash the process as an unhandled 'error'.
    client.on('error', (error) => log.warn('database connection error', { error: error.message }));
    client.on('notice', (notice) =>
      log.debug(`postgres notice: ${notice.message}`, { severity: notice.severity }),
    );
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      'CONNECTION_FAILED',
      `cannot connect to ${redactUrl(url)}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
