// Every read of a request runs in one read-only transaction under a
// statement_timeout, so a slow query cannot hold a connection for long and a
// read can never write.
import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';

export function readOnly<T>(
  pool: DatabasePool,
  statementTimeoutMs: number,
  work: (db: CommonQueryMethods) => Promise<T>,
): Promise<T> {
  return pool.transaction(async (tx) => {
    // Must come before the first query of the transaction.
    await tx.query(sql.unsafe`SET TRANSACTION READ ONLY`);
    await tx.query(
      sql.unsafe`SELECT set_config('statement_timeout', ${String(statementTimeoutMs)}, true)`,
    );
    return work(tx);
  });
}
