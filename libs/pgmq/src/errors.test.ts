// Every error this client throws is a CommandBusError with its code, so one
// `instanceof` and one `code` cover it alongside the rest of the command bus.
import { CommandBusError } from '@commandbus/errors';
import { useTestDatabase } from '@commandbus/testing';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidQueueNameError,
  PgmqError,
  QueueNotFoundError,
} from './errors.ts';
import { read } from './read.ts';
import { send } from './send.ts';

const db = useTestDatabase();

describe('pgmq errors under the command bus root', () => {
  it('sending to a queue nobody created is a QueueNotFoundError, a PgmqError and a CommandBusError', async () => {
    const error = await send(db().pool, { queue: 'never_created', message: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect(error).toBeInstanceOf(PgmqError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({ code: 'QUEUE_NOT_FOUND', queue: 'never_created' });
    expect((error as Error).cause).toBeDefined();
  });

  it('a queue name PGMQ would refuse is an InvalidQueueNameError with code INVALID_QUEUE_NAME', async () => {
    const error = await send(db().pool, { queue: 'a;drop', message: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidQueueNameError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({ code: 'INVALID_QUEUE_NAME', queue: 'a;drop' });
  });

  it('other bad input is an InvalidArgumentError with code INVALID_ARGUMENT', async () => {
    const error = await read(db().pool, { queue: 'any_queue', vt: -1, qty: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'vt', value: -1 });
  });
});
