import { describe, expect, it } from 'vitest';
import { javaStringHashCode, MIGRATION_LOCK_KEY } from './advisory-lock.ts';

describe('the migration lock key', () => {
  it('hashes strings like java.lang.String#hashCode', () => {
    // Values printed by Java's "hello".hashCode() and "".hashCode(); the long
    // string overflows 32 bits, as Java's int arithmetic does.
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB')); // Java's classic collision
    const long = 'flyway_schema_history'.repeat(10);
    let expected = 0n;
    for (const char of long) expected = (expected * 31n + BigInt(char.charCodeAt(0))) % 2n ** 32n;
    expect(BigInt.asIntN(32, expected)).toBe(BigInt(javaStringHashCode(long)));
  });

  it("is Flyway's key for public.flyway_schema_history and fits a PostgreSQL bigint", () => {
    expect(MIGRATION_LOCK_KEY).toBe(
      77431708279161n + BigInt(javaStringHashCode('"public"."flyway_schema_history"')),
    );
    expect(MIGRATION_LOCK_KEY < 2n ** 63n && MIGRATION_LOCK_KEY > 0n).toBe(true);
  });
});
