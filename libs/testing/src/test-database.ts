// Each test file gets its own database, copied from the run's template, so
// files run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, inject } from 'vitest';
import { withDatabase } from './global-setup.ts';
import { quoteIdent } from './quote-ident.ts';

export interface TestDatabase {
  readonly name: string;
  /** Superuser URL of this file's database. */
  readonly url: string;
  /** A slonik pool on it. */
  readonly pool: DatabasePool;
  /** Closes every pool made here and drops the database. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** SQL scripts run in order once the database exists (e.g. the V001 migration). */
  readonly setupSql?: readonly string[];
  /** Size of `pool`. Default 10. */
  readonly poolSize?: number;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const { adminUrl, templateDatabase } = inject('testServer');
  const name = `cb_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(templateDatabase)}`),
  );
  const url = withDatabase(adminUrl, name);
  if (options.setupSql?.length) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      for (const script of options.setupSql) await client.query(script);
    } finally {
      await client.end();
    }
  }
  const pool = await createPool(url, { maximumPoolSize: options.poolSize ?? 10 });
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      await withAdmin(adminUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}

/**
 * Registers a database for the calling test file: created before its first
 * test, dropped after its last. Read it inside tests via the returned getter.
 */
export function useTestDatabase(options: TestDatabaseOptions = {}): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (!database) throw new Error('the test database is only available inside tests and hooks');
    return database;
  };
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
