// Each path of the worker in docs/lifecycle.md, end to end on a real database.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getArchivedPayload, getCommand } from '@commandbus/commandbus-schema';
import { send } from '@commandbus/pgmq';
import { waitFor } from '@commandbus/testing';
import {
  CancelCommandError,
  defineCommand,
  PermanentCommandError,
  TransientCommandError,
} from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  commandState,
  queueDepth,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { busyUntilFailTimes, doomed, flaky, greet, refuse } from './test-commands.ts';

const unhandled = defineCommand({ type: 'test.Unhandled', data: z.object({}) });

describe('command lifecycle', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);
  const { producer, nextReply } = roles;
  const readReply = (domain: string) =>
    nextReply(domain, [greet, flaky, doomed, refuse, unhandled]);

  it('completes a command, replies SUCCESS with the handler result, and deletes the message', async () => {
    const domain = 'life_ok';
    const sent = await producer(domain).send(greet, { data: { name: 'Ada' }, replyTo: true });
    await startWorker(db(), { domain }, (w) =>
      w.register(greet, ({ command }) => ({ greeting: `hello ${command.data.name}` })),
    );
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    const reply = await waitFor(() => readReply(domain), { description: 'reply' });
    expect(reply).toMatchObject({
      commandId: sent.commandId,
      outcome: 'SUCCESS',
      data: { greeting: 'hello Ada' },
    });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
  });

  it('cancels when the handler asks to: CANCELED, reply CANCELED, message archived', async () => {
    const domain = 'life_cancel';
    const sent = await producer(domain).send(refuse, { data: {}, replyTo: true });
    await startWorker(db(), { domain }, (w) =>
      w.register(refuse, () => {
        throw new CancelCommandError('customer withdrew the order');
      }),
    );
    await waitForStatus(db(), domain, sent.commandId, 'CANCELED');
    const reply = await waitFor(() => readReply(domain), { description: 'reply' });
    expect(reply).toMatchObject({
      outcome: 'CANCELED',
      error: { message: 'customer withdrew the order' },
    });
    expect(await archiveDepth(db(), `${domain}__commands`)).toBe(1);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('retries a transient failure with the same message and completes on a later attempt', async () => {
    const domain = 'life_retry';
    const sent = await producer(domain).send(flaky, { data: { failTimes: 2 } });
    await startWorker(db(), { domain }, (w) => w.register(flaky, busyUntilFailTimes));
    const state = await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(state.attempts).toBe(3);
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'FAILED',
      'RECEIVED',
      'FAILED',
      'RECEIVED',
      'COMPLETED',
    ]);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row?.lastErrorCode).toBe('BUSY');
  });

  it('moves a command whose retries are exhausted to the troubleshooting queue with its payload archived', async () => {
    const domain = 'life_exhaust';
    const sent = await producer(domain).send(flaky, { data: { failTimes: 99 } });
    await startWorker(db(), { domain }, (w) =>
      w.register(flaky, () => {
        throw new Error('socket hang up');
      }),
    );
    const state = await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(state.attempts).toBe(3);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({ lastErrorType: 'TRANSIENT', lastErrorCode: 'UNEXPECTED_ERROR' });
    expect(row?.lastErrorMsg).toContain('socket hang up');
    const archived = await getArchivedPayload(db().pool, { domain, commandId: sent.commandId });
    expect(archived?.payload).toMatchObject({
      command_id: sent.commandId,
      data: { failTimes: 99 },
    });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('sends a permanent failure straight to the troubleshooting queue after one attempt', async () => {
    const domain = 'life_perm';
    const sent = await producer(domain).send(doomed, { data: {} });
    await startWorker(db(), { domain }, (w) =>
      w.register(doomed, () => {
        throw new PermanentCommandError('ACCOUNT_CLOSED', 'the account is closed');
      }),
    );
    const state = await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(state.attempts).toBe(1);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({ lastErrorType: 'PERMANENT', lastErrorCode: 'ACCOUNT_CLOSED' });
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ']);
  });

  it('treats a command type without a handler as a permanent NO_HANDLER failure', async () => {
    const domain = 'life_nohandler';
    const sent = await producer(domain).send(unhandled, { data: {} });
    await startWorker(db(), { domain }, (w) => w.register(greet, () => ({ greeting: 'hi' })));
    await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row?.lastErrorCode).toBe('NO_HANDLER');
  });

  it('archives a message that is not a valid envelope, and moves its command (when known) to troubleshooting', async () => {
    const domain = 'life_invalid';
    const known = await producer(domain).send(greet, { data: { name: 'x' } });
    // Swap in broken messages behind the producer's back: one naming the known command, two anonymous.
    await db().pool.query(
      sql.unsafe`DELETE FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])}`,
    );
    const queue = `${domain}__commands`;
    await send(db().pool, {
      queue,
      message: { command_id: known.commandId, domain, command_type: 42 },
    });
    await send(db().pool, { queue, message: 'not an object' });
    await send(db().pool, { queue, message: { hello: 'world' } });
    await startWorker(db(), { domain }, (w) => w.register(greet, () => ({ greeting: 'hi' })));
    await waitForStatus(db(), domain, known.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    await waitFor(async () => (await archiveDepth(db(), queue)) === 3, {
      description: 'three archived messages',
    });
    expect(await queueDepth(db(), queue)).toBe(0);
    const row = await getCommand(db().pool, { domain, commandId: known.commandId });
    expect(row).toMatchObject({ lastErrorType: 'PERMANENT', lastErrorCode: 'INVALID_MESSAGE' });
  });

  it('keeps a handler’s writes only when the command completes', async () => {
    const domain = 'life_tx';
    await db().pool.query(
      sql.unsafe`CREATE TABLE effects (command_id uuid PRIMARY KEY, attempt int NOT NULL)`,
    );
    const sent = await producer(domain).send(flaky, { data: { failTimes: 1 } });
    await startWorker(db(), { domain }, (w) =>
      w.register(flaky, async ({ attempt, command, db: tx }) => {
        await tx.query(sql.unsafe`INSERT INTO effects VALUES (${command.commandId}, ${attempt})`);
        if (attempt <= command.data.failTimes) throw new TransientCommandError('BUSY', 'busy');
      }),
    );
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    const effects = await db().pool.any(
      sql.type(z.object({ attempt: z.number() }))`SELECT attempt FROM effects`,
    );
    expect(effects).toEqual([{ attempt: 2 }]);
  });
});

describe('producer', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  it('leaves no command and no message when the caller’s transaction rolls back', async () => {
    const domain = 'prod_rollback';
    const producer = roles.producer(domain);
    await producer.setup();
    const commandId = randomUUID();
    await expect(
      db().pool.transaction(async (tx) => {
        await producer.send(greet, { commandId, data: { name: 'x' } }, { connection: tx });
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(await commandState(db(), domain, commandId)).toBeNull();
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('reports a second send of the same command_id as a duplicate and enqueues nothing', async () => {
    const domain = 'prod_dup';
    const producer = roles.producer(domain);
    const commandId = randomUUID();
    const first = await producer.send(greet, { commandId, data: { name: 'x' } });
    const second = await producer.send(greet, { commandId, data: { name: 'y' } });
    expect(first).toMatchObject({ commandId, duplicate: false });
    expect(second).toEqual({ commandId, msgId: null, duplicate: true });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(1);
  });
});
