// Regression (chaos suite, db-restart): a handler whose first query found the
// database gone made the worker process exit on an unhandled rejection.
import { randomBytes } from 'node:crypto';
import { createPool, sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@commandbus/testing';
import { LazyTransaction } from './lazy-transaction.ts';

/** Settles once Node has had its turn to report unhandled rejections. */
const afterRejectionTracking = () => new Promise((resolve) => setImmediate(resolve));

describe('LazyTransaction', () => {
  const db = useTestDatabase();

  it('rolling back a transaction that could not open leaves no unhandled rejection behind', async () => {
    // A database of its own, dropped under the pool: every later connection
    // attempt fails, as while PostgreSQL restarts.
    const name = `lazy_${randomBytes(4).toString('hex')}`;
    await db().pool.query(sql.unsafe`CREATE DATABASE ${sql.identifier([name])}`);
    const url = new URL(db().url);
    url.pathname = `/${name}`;
    const pool = await createPool(url.toString(), { connectionRetryLimit: 0 });
    await db().pool.query(sql.unsafe`DROP DATABASE ${sql.identifier([name])} WITH (FORCE)`);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const transaction = new LazyTransaction(pool);
      const failure = await transaction.connection
        .query(sql.unsafe`SELECT 1`)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      await transaction.rollback(failure);
      await afterRejectionTracking();
      await afterRejectionTracking();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await pool.end();
    }
  });
});
