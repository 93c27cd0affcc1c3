// Conformance: concurrent readers on separate connections never share a lease.
import { useTestDatabase } from '@commandbus/testing';
import { createPool, sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createQueue } from './queue-admin.ts';
import { read } from './read.ts';
import { send, sendBatch } from './send.ts';

const db = useTestDatabase();

const READERS = 8;
const MESSAGES = 2_000;

describe('concurrent readers', () => {
  it(`${READERS} readers on separate connections receive each of ${MESSAGES} messages exactly once`, async () => {
    const queue = 'contended';
    await createQueue(db().pool, { queue });
    const sent = await sendBatch(db().pool, {
      queue,
      messages: Array.from({ length: MESSAGES }, (_, i) => ({ i })),
    });

    const pool = await createPool(db().url, { maximumPoolSize: READERS });
    try {
      // Each reader holds its own connection for its whole loop and stops at
      // the first empty read: by then every message is leased by someone,
      // since a row skipped as locked belongs to a read that will lease it.
      const readers = await Promise.all(
        Array.from({ length: READERS }, () =>
          pool.connect(async (connection) => {
            const backend = await connection.oneFirst(
              sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`,
            );
            const received: number[] = [];
            for (;;) {
              const batch = await read(connection, { queue, vt: 120, qty: 7 });
              if (batch.length === 0) return { backend, received };
              received.push(...batch.map((m) => m.msgId));
            }
          }),
        ),
      );

      expect(new Set(readers.map((r) => r.backend)).size).toBe(READERS);
      const all = readers.flatMap((r) => r.received);
      expect(all).toHaveLength(MESSAGES);
      expect(new Set(all)).toEqual(new Set(sent));
      expect(readers.filter((r) => r.received.length > 0).length).toBeGreaterThan(1);
    } finally {
      await pool.end();
    }
  });

  it('a message leased on one connection is not returned to a reader on another', async () => {
    const queue = 'two_readers';
    await createQueue(db().pool, { queue });
    const msgId = await send(db().pool, { queue, message: 'only once' });
    await db().pool.connect(async (first) => {
      await db().pool.connect(async (second) => {
        expect((await read(first, { queue, vt: 30, qty: 1 })).map((m) => m.msgId)).toEqual([msgId]);
        expect(await read(second, { queue, vt: 30, qty: 1 })).toEqual([]);
      });
    });
  });

  it('a message locked by a reader whose transaction is still open is skipped, not waited for', async () => {
    const queue = 'skip_locked';
    await createQueue(db().pool, { queue });
    const [locked, free] = await sendBatch(db().pool, { queue, messages: ['locked', 'free'] });
    // BEGIN by hand: slonik refuses other connections inside pool.transaction().
    await db().pool.connect(async (holder) => {
      await holder.query(sql.unsafe`BEGIN`);
      try {
        expect((await read(holder, { queue, vt: 30, qty: 1 })).map((m) => m.msgId)).toEqual([
          locked,
        ]);
        // Another connection, while the first lease is still uncommitted.
        const other = await db().pool.connect((connection) =>
          read(connection, { queue, vt: 30, qty: 5 }),
        );
        expect(other.map((m) => m.msgId)).toEqual([free]);
      } finally {
        await holder.query(sql.unsafe`ROLLBACK`);
      }
    });
  });
});
