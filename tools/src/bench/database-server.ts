// The one PostgreSQL of a run: DATABASE_URL when set, else a throw-away
// embedded PostgreSQL 18 with the PGMQ-compatible extension. Each scenario
// gets a database of its own on it, created empty and dropped after.
import pg from 'pg';
import { reapStaleServers, startEmbeddedServer } from '@commandbus/embedded-postgres';
import { withClient } from './sql-client.ts';

export interface BenchServer {
  /** A URL of the server's maintenance database, for CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly embedded: boolean;
  /** Stops the embedded server; a DATABASE_URL server is left running. */
  stop(): Promise<void>;
}

/**
 * `durable`: an embedded server keeps `fsync`, `synchronous_commit` and
 * `full_page_writes` on, as production does; otherwise they are off, as for
 * tests. A DATABASE_URL server is used as it is configured.
 */
export async function openServer(
  databaseUrl: string | undefined,
  durable: boolean,
): Promise<BenchServer> {
  if (databaseUrl) return { adminUrl: databaseUrl, embedded: false, stop: async () => undefined };
  // A run killed with SIGKILL cannot stop its server; this one cleans up.
  await reapStaleServers();
  const server = await startEmbeddedServer(
    durable
      ? { settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' } }
      : { disposable: true },
  );
  return { adminUrl: server.url, embedded: true, stop: () => server.stop() };
}

/** The URL of database `name` on the same server, same credentials. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates `name` empty (dropping a leftover of an interrupted run first); returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const identifier = pg.escapeIdentifier(name);
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${identifier} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${identifier}`);
  });
  return databaseUrl(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** A database name for a scenario, unique per run so parallel runs on one server never collide. */
export function scenarioDatabaseName(scenario: string): string {
  return `bench_${process.pid}_${scenario.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}
