import { waitFor } from '@commandbus/testing';
import { sql, type DatabasePool } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrate } from '../src/index.ts';
import { fixtureLocation, freshDatabase } from './fixtures.ts';
import { historyRows } from './history.ts';

const MIGRATORS = 4;
const ROUNDS = 5;

describe('concurrent migrators', () => {
  it(`${MIGRATORS} migrators started at once apply each file exactly once (${ROUNDS} rounds)`, async () => {
    // Not idempotent on purpose: a second application would fail on CREATE
    // TABLE or add a second row; pg_sleep widens the window in which the
    // other migrators are already connected and waiting.
    const location = await fixtureLocation({
      'V1__counted.sql':
        'CREATE TABLE applied_once (n INT);\nINSERT INTO applied_once VALUES (1);\nSELECT pg_sleep(0.05);',
      'V2__counted_again.sql': 'INSERT INTO applied_once VALUES (2);\nSELECT pg_sleep(0.05);',
    });
    for (let round = 0; round < ROUNDS; round += 1) {
      const db = await freshDatabase();
      const results = await Promise.all(
        Array.from({ length: MIGRATORS }, () => migrate({ url: db.url, locations: [location] })),
      );
      const appliedScripts = results.flatMap((result) =>
        result.applied.map((applied) => applied.script),
      );
      expect(appliedScripts.sort()).toEqual(['V1__counted.sql', 'V2__counted_again.sql']);
      expect(results.filter((result) => result.upToDate)).toHaveLength(MIGRATORS - 1);
      expect(results.every((result) => result.currentVersion === '2')).toBe(true);
      const rows = await db.pool.anyFirst(
        sql.type(z.object({ n: z.number() }))`SELECT n FROM applied_once ORDER BY n`,
      );
      expect(rows).toEqual([1, 2]);
      expect((await historyRows(db.pool)).map((row) => [row.installed_rank, row.script])).toEqual([
        [1, 'V1__counted.sql'],
        [2, 'V2__counted_again.sql'],
      ]);
    }
  });

  it('a migrator waits for the lock held by another session, then finds the work done', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__slow.sql': 'CREATE TABLE slow (id INT);\nSELECT pg_sleep(0.3);',
    });
    const first = migrate({ url: db.url, locations: [location] });
    // Start the second only once the first holds the lock and is inside the file.
    await waitForActivity(db.pool, 'pg_sleep');
    const second = await migrate({ url: db.url, locations: [location] });
    expect(second.upToDate).toBe(true);
    expect((await first).applied).toHaveLength(1);
  });
});

async function waitForActivity(pool: DatabasePool, fragment: string): Promise<void> {
  await waitFor(
    () =>
      pool.exists(
        sql.type(z.object({ found: z.number() }))`
          SELECT 1 AS found FROM pg_stat_activity
           WHERE application_name = 'commandbus-migrations' AND query LIKE ${'%' + fragment + '%'}`,
      ),
    { description: `a migrator running ${fragment}` },
  );
}
