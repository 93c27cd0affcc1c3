import { useTestDatabase } from '@commandbus/testing';
import pg from 'pg';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { javaStringHashCode, MIGRATION_LOCK_KEY, withMigrationLock } from './advisory-lock.ts';
import { toLogger } from './logger.ts';

// Flyway's PostgreSQL lock key is LOCK_MAGIC_NUM + table.toString().hashCode(),
// where LOCK_MAGIC_NUM is the ASCII bytes of "Flyway" read as one big-endian
// number (0x466C79776179 = 77431708279161) and the table prints as
// "<schema>"."<table>". The literals below were computed outside this code
// base, with Python: int.from_bytes(b"Flyway", "big") for the magic number,
// and the hash as sum(unit * 31**(n-1-i)) over the string's UTF-16 code units,
// reduced mod 2**32 and read as a signed 32-bit int. A second computation in
// Node (BigInt over Buffer.from(text, 'utf16le')) gave the same values.
const FLYWAY_TABLES = [
  {
    table: '"public"."flyway_schema_history"',
    hashCode: 2125624436,
    lockKey: 77433833903597n,
  },
  {
    table: '"commandbus"."flyway_schema_history"',
    hashCode: 707326472,
    lockKey: 77432415605633n,
  },
  {
    // Negative: the key lies below the magic number.
    table: '"Public"."flyway_schema_history"',
    hashCode: -510038956,
    lockKey: 77431198240205n,
  },
  {
    // Non-ASCII: é is one UTF-16 unit, 🚀 a surrogate pair of two.
    table: '"schéma_🚀"."flyway_schema_history"',
    hashCode: 888896036,
    lockKey: 77432597175197n,
  },
] as const;

describe('the migration lock key', () => {
  it('hashes strings like java.lang.String#hashCode', () => {
    // Values printed by Java's "hello".hashCode() and "".hashCode(); "Aa" and
    // "BB" are Java's classic collision.
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(2112);
    expect(javaStringHashCode('BB')).toBe(2112);
  });

  it.each(FLYWAY_TABLES)('hashes $table to the discriminator Flyway derives', (row) => {
    expect(javaStringHashCode(row.table)).toBe(row.hashCode);
  });

  it('is the key Flyway locks for "public"."flyway_schema_history"', () => {
    expect(MIGRATION_LOCK_KEY).toBe(77433833903597n);
  });
});

describe('withMigrationLock', () => {
  const db = useTestDatabase({ poolSize: 2 });
  const heldKeys = z.object({ key: z.string() });

  // A bigint advisory lock shows in pg_locks as classid (high 32 bits) and
  // objid (low 32 bits) with objsubid 1.
  async function advisoryKeysHeldBy(pid: number): Promise<readonly string[]> {
    return db().pool.anyFirst(sql.type(heldKeys)`
      SELECT ((classid::bigint << 32) | objid::bigint)::text AS key
      FROM pg_locks
      WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND pid = ${pid}
    `);
  }

  it("holds Flyway's key in the database while the work runs, and releases it after", async () => {
    const client = new pg.Client(db().url);
    await client.connect();
    try {
      const pid = z
        .number()
        .parse((await client.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
      const during = await withMigrationLock(client, toLogger(undefined), () =>
        advisoryKeysHeldBy(pid),
      );
      expect(during).toEqual([FLYWAY_TABLES[0].lockKey.toString()]);
      expect(await advisoryKeysHeldBy(pid)).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
