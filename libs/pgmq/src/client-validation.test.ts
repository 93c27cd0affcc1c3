// The client rejects bad input with typed errors before any SQL runs. The
// connection passed in is a tripwire: touching it fails the test.
import type { CommonQueryMethods } from 'slonik';
import { describe, expect, it } from 'vitest';
import { archive, archiveMessages } from './archive.ts';
import { deleteMessage, deleteMessages } from './delete.ts';
import { InvalidArgumentError, InvalidQueueNameError, PgmqError } from './errors.ts';
import { metrics } from './metrics.ts';
import { createQueue, dropQueue, purgeQueue } from './queue-admin.ts';
import { validateQueueName } from './queue-name.ts';
import { pop, read, readWithPoll } from './read.ts';
import { send, sendBatch } from './send.ts';
import { setVt } from './set-vt.ts';

const noSql = new Proxy({} as CommonQueryMethods, {
  get(_target, property) {
    throw new Error(`SQL was attempted (${String(property)}) before input validation`);
  },
});

async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be rejected');
}

const invalidNames: readonly (readonly [string, unknown])[] = [
  ['longer than 47 characters', 'q'.repeat(48)],
  ['longer than 47 bytes in UTF-8', 'é'.repeat(24)],
  ['containing $', 'a$b'],
  ['containing ;', 'a;drop'],
  ['containing --', 'a--b'],
  ['containing a single quote', "it's"],
  ['empty', ''],
  ['not a string', 42],
];

const everyQueueCall: readonly (readonly [string, (queue: string) => Promise<unknown>])[] = [
  ['createQueue', (queue) => createQueue(noSql, { queue })],
  ['dropQueue', (queue) => dropQueue(noSql, { queue })],
  ['purgeQueue', (queue) => purgeQueue(noSql, { queue })],
  ['send', (queue) => send(noSql, { queue, message: {} })],
  ['sendBatch', (queue) => sendBatch(noSql, { queue, messages: [{}] })],
  ['read', (queue) => read(noSql, { queue, vt: 1, qty: 1 })],
  ['readWithPoll', (queue) => readWithPoll(noSql, { queue, vt: 1, qty: 1 })],
  ['pop', (queue) => pop(noSql, { queue })],
  ['setVt', (queue) => setVt(noSql, { queue, msgId: 1, vt: 0 })],
  ['deleteMessage', (queue) => deleteMessage(noSql, { queue, msgId: 1 })],
  ['deleteMessages', (queue) => deleteMessages(noSql, { queue, msgIds: [1] })],
  ['archive', (queue) => archive(noSql, { queue, msgId: 1 })],
  ['archiveMessages', (queue) => archiveMessages(noSql, { queue, msgIds: [1] })],
  ['metrics', (queue) => metrics(noSql, { queue })],
];

describe('queue name validation in the client', () => {
  it.each(invalidNames)('validateQueueName rejects a name %s', (_rule, name) => {
    expect(() => validateQueueName(name)).toThrow(InvalidQueueNameError);
  });

  it('validateQueueName accepts and returns a 47-character name', () => {
    expect(validateQueueName('x'.repeat(47))).toBe('x'.repeat(47));
  });

  it.each(everyQueueCall)(
    '%s rejects an invalid queue name before any SQL',
    async (_name, call) => {
      for (const [, name] of invalidNames) {
        const error = await rejection(() => call(name as string));
        expect(error).toBeInstanceOf(InvalidQueueNameError);
        expect(error).toBeInstanceOf(PgmqError);
        expect(error).toMatchObject({ code: 'INVALID_QUEUE_NAME' });
      }
    },
  );
});

describe('argument validation in the client', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  const invalidCalls: readonly (readonly [string, () => Promise<unknown>])[] = [
    ['read with qty 0', () => read(noSql, { queue: 'q', vt: 1, qty: 0 })],
    ['read with a fractional qty', () => read(noSql, { queue: 'q', vt: 1, qty: 1.5 })],
    ['read with a negative vt', () => read(noSql, { queue: 'q', vt: -1, qty: 1 })],
    ['read with a fractional vt', () => read(noSql, { queue: 'q', vt: 0.5, qty: 1 })],
    [
      'read with an array as conditional',
      () => read(noSql, { queue: 'q', vt: 1, qty: 1, conditional: [] as never }),
    ],
    [
      'readWithPoll with a negative maxPollSeconds',
      () => readWithPoll(noSql, { queue: 'q', vt: 1, qty: 1, maxPollSeconds: -1 }),
    ],
    [
      'readWithPoll with pollIntervalMs 0',
      () => readWithPoll(noSql, { queue: 'q', vt: 1, qty: 1, pollIntervalMs: 0 }),
    ],
    ['send with a BigInt in the message', () => send(noSql, { queue: 'q', message: { n: 1n } })],
    ['send with a cyclic message', () => send(noSql, { queue: 'q', message: cyclic })],
    ['send with an undefined message', () => send(noSql, { queue: 'q', message: undefined })],
    ['send with a function as message', () => send(noSql, { queue: 'q', message: () => 1 })],
    [
      'send with a NUL character in the message',
      () => send(noSql, { queue: 'q', message: { s: 'a\0b' } }),
    ],
    [
      'send with non-JSON headers',
      () => send(noSql, { queue: 'q', message: {}, headers: { n: 1n } }),
    ],
    ['send with a negative delay', () => send(noSql, { queue: 'q', message: {}, delay: -1 })],
    ['send with a fractional delay', () => send(noSql, { queue: 'q', message: {}, delay: 1.5 })],
    [
      'send with an invalid Date as delay',
      () => send(noSql, { queue: 'q', message: {}, delay: new Date('nope') }),
    ],
    [
      'sendBatch with one bad message',
      () => sendBatch(noSql, { queue: 'q', messages: [{}, { n: 1n }] }),
    ],
    [
      'sendBatch with fewer headers than messages',
      () => sendBatch(noSql, { queue: 'q', messages: [1, 2], headers: [{}] }),
    ],
    ['setVt with msgId 0', () => setVt(noSql, { queue: 'q', msgId: 0, vt: 1 })],
    ['setVt with an unsafe msgId', () => setVt(noSql, { queue: 'q', msgId: 2 ** 53, vt: 1 })],
    [
      'deleteMessage with a fractional msgId',
      () => deleteMessage(noSql, { queue: 'q', msgId: 1.5 }),
    ],
    [
      'deleteMessages with a negative id',
      () => deleteMessages(noSql, { queue: 'q', msgIds: [1, -2] }),
    ],
    [
      'archiveMessages with a NaN id',
      () => archiveMessages(noSql, { queue: 'q', msgIds: [Number.NaN] }),
    ],
  ];

  it.each(invalidCalls)(
    '%s fails with InvalidArgumentError before any SQL',
    async (_name, call) => {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    },
  );

  it('empty batches and empty id lists need no SQL', async () => {
    expect(await sendBatch(noSql, { queue: 'q', messages: [] })).toEqual([]);
    expect(await deleteMessages(noSql, { queue: 'q', msgIds: [] })).toEqual([]);
    expect(await archiveMessages(noSql, { queue: 'q', msgIds: [] })).toEqual([]);
  });
});
