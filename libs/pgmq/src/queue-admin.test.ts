// Conformance: queue lifecycle (create, list, drop, purge) and queue-name rules
// enforced by the SQL functions themselves.
import { useTestDatabase } from '@commandbus/testing';
import pg from 'pg';
import { sql, type QuerySqlToken } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { archive } from './archive.ts';
import { createQueue, dropQueue, listQueues, purgeQueue, queueCommitted } from './queue-admin.ts';
import { read } from './read.ts';
import { sendBatch } from './send.ts';

const db = useTestDatabase();
let queues = 0;
const newQueueName = (): string => `admin_${++queues}`;

// By catalog name rather than to_regclass, which would have to parse names
// holding the characters PGMQ forbids.
async function tableExists(name: string): Promise<boolean> {
  return db().pool.oneFirst(sql.type(z.object({ found: z.boolean() }))`
    SELECT EXISTS (
      SELECT FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
      WHERE n.nspname = 'pgmq' AND c.relname = ${name}
    ) AS found
  `);
}

describe('queue lifecycle', () => {
  it('create makes the queue table, its archive table and a pgmq.meta row', async () => {
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    expect(await tableExists(`q_${queue}`)).toBe(true);
    expect(await tableExists(`a_${queue}`)).toBe(true);
    const listed = (await listQueues(db().pool)).find((q) => q.queueName === queue);
    expect(listed).toMatchObject({ queueName: queue, isPartitioned: false, isUnlogged: false });
    expect(listed?.createdAt).toBeInstanceOf(Date);
  });

  it('create is idempotent: a second create keeps the messages and adds no second queue', async () => {
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    await sendBatch(db().pool, { queue, messages: [{ n: 1 }, { n: 2 }] });
    await createQueue(db().pool, { queue });
    expect((await listQueues(db().pool)).filter((q) => q.queueName === queue)).toHaveLength(1);
    expect(await read(db().pool, { queue, vt: 30, qty: 10 })).toHaveLength(2);
  });

  it('concurrent creates of the same queue all succeed', async () => {
    const queue = newQueueName();
    await Promise.all(Array.from({ length: 4 }, () => createQueue(db().pool, { queue })));
    expect((await listQueues(db().pool)).filter((q) => q.queueName === queue)).toHaveLength(1);
  });

  it('table names are the lower-cased queue name', async () => {
    const queue = `Mixed_Case_${++queues}`;
    await createQueue(db().pool, { queue });
    expect(await tableExists(`q_${queue.toLowerCase()}`)).toBe(true);
    expect(await tableExists(`a_${queue.toLowerCase()}`)).toBe(true);
  });

  it('drop_queue removes both tables and the queue from list_queues, and returns true', async () => {
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    expect(await dropQueue(db().pool, { queue })).toBe(true);
    expect(await tableExists(`q_${queue}`)).toBe(false);
    expect(await tableExists(`a_${queue}`)).toBe(false);
    expect((await listQueues(db().pool)).map((q) => q.queueName)).not.toContain(queue);
  });

  it('dropping a queue that does not exist returns false', async () => {
    expect(await dropQueue(db().pool, { queue: 'never_created' })).toBe(false);
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    await dropQueue(db().pool, { queue });
    expect(await dropQueue(db().pool, { queue })).toBe(false);
  });

  it('purge_queue deletes every message, returns how many, and leaves the archive alone', async () => {
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    const [first] = await sendBatch(db().pool, { queue, messages: [1, 2, 3, 4] });
    await archive(db().pool, { queue, msgId: first! });
    await read(db().pool, { queue, vt: 30, qty: 1 }); // a leased message is purged too
    expect(await purgeQueue(db().pool, { queue })).toBe(3);
    expect(await purgeQueue(db().pool, { queue })).toBe(0);
    const archived = await db().pool.oneFirst(
      sql.type(
        z.object({ n: z.number() }),
      )`SELECT count(*)::int AS n FROM ${sql.identifier(['pgmq', `a_${queue}`])}`,
    );
    expect(archived).toBe(1);
  });
});

// The producer remembers a queue for good only when this says true, so a
// false "true" would outlive a rollback: every case where the caller's own
// transaction created the queue must say false.
describe('queueCommitted', () => {
  it('is false for a queue nobody created', async () => {
    expect(await queueCommitted(db().pool, { queue: newQueueName() })).toBe(false);
  });

  it('is true for a committed queue, also in a transaction that has written already', async () => {
    const queue = newQueueName();
    await createQueue(db().pool, { queue });
    expect(await queueCommitted(db().pool, { queue })).toBe(true);
    await db().pool.transaction(async (tx) => {
      await createQueue(tx, { queue: newQueueName() });
      expect(await queueCommitted(tx, { queue })).toBe(true);
    });
  });

  it('is false in the transaction that creates the queue, until it commits', async () => {
    const queue = newQueueName();
    await db().pool.transaction(async (tx) => {
      await createQueue(tx, { queue });
      expect(await queueCommitted(tx, { queue })).toBe(false);
    });
    expect(await queueCommitted(db().pool, { queue })).toBe(true);
  });

  it('is false for a queue a savepoint of the transaction created, inside and after it', async () => {
    const queue = newQueueName();
    await db().pool.transaction(async (tx) => {
      await createQueue(tx, { queue: newQueueName() });
      await tx.transaction(async (savepoint) => {
        await createQueue(savepoint, { queue });
        expect(await queueCommitted(savepoint, { queue })).toBe(false);
      });
      expect(await queueCommitted(tx, { queue })).toBe(false);
    });
  });

  it('is false again once the creating transaction rolled back', async () => {
    const queue = newQueueName();
    await expect(
      db().pool.transaction(async (tx) => {
        await createQueue(tx, { queue });
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(await queueCommitted(db().pool, { queue })).toBe(false);
  });
});

// A name check answers with its own SQLSTATE: invalid_parameter_value (22023)
// from the compatible implementation, raise_exception (P0001) from PGMQ's
// plain RAISE EXCEPTION. Never undefined_table (42P01, the queue is missing)
// or syntax_error (42601, the name was pasted into SQL unchecked).
const NAME_CHECK_SQLSTATES = ['22023', 'P0001'];

async function nameCheckRejection(query: QuerySqlToken): Promise<pg.DatabaseError> {
  const outcome = await db()
    .pool.query(query)
    .then(
      () => 'accepted',
      (error: unknown) => error,
    );
  expect(outcome).toBeInstanceOf(pg.DatabaseError);
  const error = outcome as pg.DatabaseError;
  expect(NAME_CHECK_SQLSTATES).toContain(error.code);
  return error;
}

// A queue table made by hand, exactly as PGMQ lays one out, but for a name
// pgmq.create would refuse: pgmq.send finds its table, so only the name check
// can stop it.
async function handMadeQueueTable(name: string): Promise<void> {
  await db().pool.query(sql.unsafe`
    CREATE TABLE ${sql.identifier(['pgmq', `q_${name.toLowerCase()}`])} (
      msg_id      BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
      read_ct     INT NOT NULL DEFAULT 0,
      enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      vt          TIMESTAMPTZ NOT NULL,
      message     JSONB,
      headers     JSONB
    )
  `);
}

async function rowCount(table: string): Promise<number> {
  return db().pool.oneFirst(
    sql.type(
      z.object({ n: z.number() }),
    )`SELECT count(*)::int AS n FROM ${sql.identifier(['pgmq', table])}`,
  );
}

describe('queue names rejected by the SQL functions', () => {
  const invalidNames = [
    ['longer than 47 characters', 'x'.repeat(48)],
    ['containing $', 'bad$name'],
    ['containing ;', 'bad;name'],
    ['containing --', 'bad--name'],
    ['containing a single quote', "bad'name"],
  ] as const;

  it.each(invalidNames)(
    'pgmq.create rejects a name %s and creates no table and no meta row',
    async (_rule, name) => {
      await nameCheckRejection(sql.unsafe`SELECT pgmq.create(${name}::text)`);
      const meta = await db().pool.oneFirst(
        sql.type(
          z.object({ n: z.number() }),
        )`SELECT count(*)::int AS n FROM pgmq.meta WHERE queue_name = ${name}`,
      );
      expect(meta).toBe(0);
      expect(await tableExists(`q_${name.toLowerCase()}`)).toBe(false);
      expect(await tableExists(`a_${name.toLowerCase()}`)).toBe(false);
    },
  );

  it('pgmq.send writes into a hand-made queue table, so the table alone does not stop a send', async () => {
    const queue = `hand_made_${++queues}`;
    await handMadeQueueTable(queue);
    await db().pool.query(sql.unsafe`SELECT * FROM pgmq.send(${queue}::text, '{}'::jsonb)`);
    expect(await rowCount(`q_${queue}`)).toBe(1);
  });

  it.each(invalidNames.slice(1))(
    'pgmq.send rejects a name %s even when its queue table exists, and writes nothing',
    async (_rule, invalidName) => {
      // Its own name, so the pgmq.create cases still find no table of theirs.
      const name = `${invalidName}_send`;
      await handMadeQueueTable(name);
      await nameCheckRejection(sql.unsafe`SELECT * FROM pgmq.send(${name}::text, '{}'::jsonb)`);
      expect(await rowCount(`q_${name}`)).toBe(0);
    },
  );

  it('a 47-character name is accepted', async () => {
    const queue = 'y'.repeat(47);
    await createQueue(db().pool, { queue });
    expect(await tableExists(`q_${queue}`)).toBe(true);
  });
});
