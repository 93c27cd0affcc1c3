import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, useTestDatabase } from './test-database.ts';

describe('test database harness', () => {
  const db = useTestDatabase();

  it('gives each file a database that already has the pgmq extension', async () => {
    const version = await db().pool.oneFirst(
      sql.type(
        z.object({ extversion: z.string() }),
      )`SELECT extversion FROM pg_extension WHERE extname = 'pgmq'`,
    );
    expect(version).toMatch(/^\d+\.\d+/);
  });

  it('isolates databases: rows written in one are invisible in another', async () => {
    const other = await createTestDatabase();
    try {
      await db().pool.query(sql.unsafe`CREATE TABLE isolation_probe (id int)`);
      const seen = await other.pool.oneFirst(
        sql.type(
          z.object({ n: z.number() }),
        )`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'isolation_probe'`,
      );
      expect(seen).toBe(0);
    } finally {
      await other.drop();
    }
  });
});
