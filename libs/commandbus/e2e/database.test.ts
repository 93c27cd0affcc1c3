// openPool: which pools get the hot path's named prepared statements, and
// that pools resetting their sessions keep working without them.
import { sql, type DatabasePool } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DatabaseUnavailableError, openPool, Producer } from '../src/index.ts';
import { endAfterTest, quietLogger, useBusDatabase } from './bus-fixture.ts';
import { ping } from './test-commands.ts';

describe('openPool', () => {
  const db = useBusDatabase();

  async function sendThrice(
    domain: string,
    options: Parameters<typeof openPool>[1],
  ): Promise<readonly string[]> {
    // One connection: the statements it has prepared are the pool's.
    const pool = endAfterTest(await openPool(db().url, { maximumPoolSize: 1, ...options }));
    const producer = new Producer({ pool, domain, logger: quietLogger });
    for (let n = 0; n < 3; n += 1) await producer.send(ping, { data: { n } });
    return preparedStatements(pool);
  }

  function preparedStatements(pool: DatabasePool): Promise<readonly string[]> {
    return pool.anyFirst(sql.type(z.object({ name: z.string() }))`
      SELECT name FROM pg_prepared_statements WHERE name LIKE 'commandbus%' ORDER BY name`);
  }

  it('prepares the send statement once per connection by default', async () => {
    expect(await sendThrice('db_default', {})).toEqual(['commandbus_enqueue_single_command']);
  });

  it('prepares the send inside the caller’s transaction too', async () => {
    const pool = endAfterTest(await openPool(db().url, { maximumPoolSize: 1 }));
    const producer = new Producer({ pool, domain: 'db_in_tx', logger: quietLogger });
    await producer.setup();
    for (let n = 0; n < 3; n += 1)
      await pool.transaction((tx) => producer.send(ping, { data: { n } }, { connection: tx }));
    expect(await preparedStatements(pool)).toEqual(['commandbus_enqueue_single_command']);
  });

  it('uses no named statements when sessions are discarded, and every send still works', async () => {
    expect(await sendThrice('db_discard', { discardSessionState: true })).toEqual([]);
    const sent = await db().pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM commandbus.command WHERE domain = 'db_discard'`);
    expect(sent).toBe(3);
  });

  it('uses no named statements when told not to (PgBouncer in transaction mode)', async () => {
    expect(await sendThrice('db_unprepared', { preparedStatements: false })).toEqual([]);
  });

  it('names the option when the URL asks for an sslmode slonik does not support', async () => {
    const url = 'postgres://bus:s3cret@127.0.0.1:1/nowhere?sslmode=prefer';
    const error = await openPool(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = String((error as Error).message);
    expect(message).toMatch(/: sslmode: .*"disable"\|"no-verify"\|"require"$/);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cret');
  });

  it('rejects an unreachable server with one clear error and no password', async () => {
    const url = 'postgres://bus:s3cret@127.0.0.1:1/nowhere';
    const error = await openPool(url, { connectionTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(String((error as Error).message)).not.toContain('s3cret');
  });
});
