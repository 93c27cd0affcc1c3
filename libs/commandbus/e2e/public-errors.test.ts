// What a public method throws can be caught with classes from the same import
// as the method: the PGMQ client's errors reach callers of Producer and
// Operator, so @commandbus/commandbus exports them, all under CommandBusError.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropQueue } from '@commandbus/pgmq';
import {
  CommandBusError,
  InvalidQueueNameError,
  PermanentCommandError,
  PgmqError,
  QueueNotFoundError,
} from '../src/index.ts';
import { commandQueueName } from '../src/internals.ts';
import {
  auditTrail,
  domainRowCount,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { charge } from './test-commands.ts';

describe('errors of public methods, caught with classes from the public entry', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);
  const { producer } = roles;

  it('Producer.send with a reply queue name PGMQ refuses is InvalidQueueNameError, and writes nothing', async () => {
    const domain = 'errors_reply_name';
    const error = await producer(domain)
      .send(charge, { data: { amount: 1 }, replyTo: 'replies$x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidQueueNameError);
    expect(error).toBeInstanceOf(PgmqError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({ code: 'INVALID_QUEUE_NAME', queue: 'replies$x' });
    expect(await domainRowCount(db(), 'command', domain)).toBe(0);
  });

  it('Operator.retry after the command queue was dropped is QueueNotFoundError, and the item stays in troubleshooting', async () => {
    const domain = 'errors_dropped';
    const commandId = randomUUID();
    await producer(domain).send(charge, { data: { amount: 1 }, commandId });
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(charge, () => {
        throw new PermanentCommandError('CARD_DECLINED', 'the card was declined');
      }),
    );
    await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
    await worker.stop();
    const before = await auditTrail(db(), commandId);
    expect(await dropQueue(db().pool, { queue: commandQueueName(domain) })).toBe(true);

    const operator = roles.operator(domain, { actor: 'alice' });
    const error = await operator.retry(commandId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({ code: 'QUEUE_NOT_FOUND', queue: commandQueueName(domain) });
    const row = await db().pool.one(
      sql.type(
        z.object({ status: z.string(), attempts: z.number() }),
      )`SELECT status, attempts FROM commandbus.command WHERE domain = ${domain} AND command_id = ${commandId}`,
    );
    expect(row.status).toBe('IN_TROUBLESHOOTING_QUEUE');
    expect(await auditTrail(db(), commandId)).toEqual(before);
  });
});
