// The worker's LISTEN connection going away: polling carries on, and once the
// listener is back it catches up and NOTIFY wakes the worker again.
import { pino } from 'pino';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '@commandbus/testing';
import { defineCommand } from '../src/index.ts';
import { auditTrail, rolesOn, startWorker, useBusDatabase, waitForStatus } from './bus-fixture.ts';

const ping = defineCommand({ type: 'test.Ping', data: z.object({}) });

describe('worker NOTIFY listener', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  /**
   * Keeps the worker's LISTEN connection out while the rest of the worker
   * connects as usual: a login event trigger refuses connections named
   * `commandbus-listener` while the outage table has a row.
   */
  async function prepareListenerOutage(): Promise<void> {
    await db().pool.query(
      sql.unsafe`CREATE TABLE IF NOT EXISTS public.listener_outage (since TIMESTAMPTZ NOT NULL)`,
    );
    await db().pool.query(sql.unsafe`
      CREATE OR REPLACE FUNCTION public.refuse_listener_logins() RETURNS event_trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('application_name', true) = 'commandbus-listener'
           AND EXISTS (SELECT 1 FROM public.listener_outage) THEN
          RAISE EXCEPTION 'the LISTEN connection is kept out for this test';
        END IF;
      END $$`);
    await db().pool.query(sql.unsafe`DROP EVENT TRIGGER IF EXISTS refuse_listener_logins`);
    await db().pool.query(sql.unsafe`
      CREATE EVENT TRIGGER refuse_listener_logins ON login
      EXECUTE FUNCTION public.refuse_listener_logins()`);
  }

  async function endListenerOutage(): Promise<void> {
    await db().pool.query(sql.unsafe`DELETE FROM public.listener_outage`);
  }

  /** The backend of the worker's LISTEN connection, if it has one. */
  async function listenerPid(): Promise<number | null> {
    return db().pool.maybeOneFirst(
      sql.type(z.object({ pid: z.number() }))`
        SELECT pid FROM pg_stat_activity
         WHERE datname = current_database()
           AND application_name = 'commandbus-listener'
           AND query LIKE 'LISTEN%'`,
    );
  }

  /** Kills the LISTEN connection and keeps it from coming back until endListenerOutage. */
  async function cutListener(): Promise<number> {
    const pid = await waitFor(() => listenerPid().then((found) => found ?? undefined), {
      description: 'the LISTEN connection',
    });
    await db().pool.query(sql.unsafe`INSERT INTO public.listener_outage (since) VALUES (now())`);
    await db().pool.query(sql.unsafe`SELECT pg_terminate_backend(${pid}::int)`);
    await waitFor(async () => (await listenerPid()) === null, {
      description: 'the LISTEN connection to be gone',
    });
    return pid;
  }

  /** Waits for a LISTEN connection other than the killed one, and returns its backend. */
  function newListenerPid(killed: number): Promise<number> {
    return waitFor(
      async () => {
        const pid = await listenerPid();
        return pid !== null && pid !== killed ? pid : undefined;
      },
      { timeoutMs: 20_000, description: 'a new LISTEN connection' },
    );
  }

  it('keeps taking commands by polling while its LISTEN connection is down, and LISTENs again once it can', async () => {
    const domain = 'wn_outage';
    const producer = roles.producer(domain);
    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      {
        write: (line: string) =>
          warnings.push(z.object({ msg: z.string() }).parse(JSON.parse(line)).msg),
      },
    );
    await prepareListenerOutage();
    try {
      await startWorker(db(), { domain, pollIntervalMs: 200, logger }, (w) =>
        w.register(ping, () => undefined),
      );
      const killed = await cutListener();
      // The loss is logged, and so is each reconnection the outage refuses.
      await waitFor(
        () =>
          warnings.includes('LISTEN connection lost; reconnecting') &&
          warnings.includes('LISTEN connection failed; polling until it is back'),
        { description: 'the lost connection and a refused reconnection to be logged' },
      );

      const sent = await Promise.all([1, 2, 3].map(() => producer.send(ping, { data: {} })));
      for (const { commandId } of sent) {
        await waitForStatus(db(), domain, commandId, 'COMPLETED');
        expect(await auditTrail(db(), commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
      }
      // All of them were taken while the listener could not be there.
      expect(await listenerPid()).toBeNull();

      await endListenerOutage();
      expect(await newListenerPid(killed)).not.toBe(killed);
    } finally {
      await endListenerOutage();
    }
  });

  it('catches up on what was sent while its LISTEN connection was down, then is woken by NOTIFY again', async () => {
    const domain = 'wn_reconnect';
    // Only the listener can bring commands in before this interval is over.
    const pollIntervalMs = 60_000;
    const producer = roles.producer(domain);
    await prepareListenerOutage();
    try {
      await startWorker(db(), { domain, pollIntervalMs }, (w) => w.register(ping, () => undefined));
      const killed = await cutListener();
      // Its NOTIFY reaches no one: the worker hears of it when the listener
      // is back and looks at the queue.
      const missed = await producer.send(ping, { data: {} });
      await endListenerOutage();
      await waitForStatus(db(), domain, missed.commandId, 'COMPLETED', pollIntervalMs / 3);
      // A refused reconnection may already have looked at the queue, so the
      // new LISTEN connection can come a moment after the catch-up.
      expect(await newListenerPid(killed)).not.toBe(killed);

      // Sent once the worker is idle again: only a NOTIFY brings it in in time.
      const heard = await producer.send(ping, { data: {} });
      await waitForStatus(db(), domain, heard.commandId, 'COMPLETED', pollIntervalMs / 3);
      expect(await auditTrail(db(), heard.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    } finally {
      await endListenerOutage();
    }
  });
});
