// Hostile input, one row each: what a caller (or anyone who can write into a
// queue) might hand the bus, the typed error code it must get, and proof that
// nothing was written and the producer, worker and operator keep working.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createPool, sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getArchivedPayload, getCommand } from '@commandbus/commandbus-schema';
import { deleteMessage } from '@commandbus/pgmq';
import { waitFor } from '@commandbus/testing';
import {
  defineCommand,
  Operator,
  Producer,
  Worker,
  type CommandData,
  type CommandDefinition,
  type SendInput,
  type WorkerOptions,
} from '../src/index.ts';
import { DEFAULTS } from '../src/internals.ts';
import {
  commandState,
  queueDepth,
  quietLogger,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';

const note = defineCommand({ type: 'hostile.Note', data: z.object({ text: z.string() }) });
const blob = defineCommand({ type: 'hostile.Blob', data: z.record(z.string(), z.unknown()) });
const stray = defineCommand({ type: 'hostile.NobodyHandlesThis', data: z.object({}) });

/** Domain (and queue-name) spellings that must never reach SQL. */
const HOSTILE_NAMES: readonly [string, string][] = [
  ['a single quote', "pay'ments"],
  ['a double quote', 'pay"ments'],
  ['a semicolon', 'pay;ments'],
  ['a comment', 'pay--ments'],
  ['a dollar', 'pay$ments'],
  ['an injection', "x'; DROP TABLE commandbus.command; --"],
  ['31 characters', `p${'a'.repeat(30)}`],
  ['upper case', 'Payments'],
  ['unicode letters', 'paiements_é'],
  ['CJK', '支付'],
  ['an emoji', 'pay🙂'],
  ['a space', 'pay ments'],
  ['a leading digit', '1payments'],
  ['nothing', ''],
];

const NOT_UUIDS: readonly [string, string][] = [
  ['a word', 'not-a-uuid'],
  ['an injection', "'; DELETE FROM commandbus.command; --"],
  ['braces', `{${randomUUID()}}`],
  ['no dashes', randomUUID().replaceAll('-', '')],
  ['one digit short', randomUUID().slice(0, -1)],
  ['nothing', ''],
];

/** Every row and message the bus could have written, and every queue it could have made. */
async function footprint(pool: DatabasePool) {
  return pool.one(
    sql.type(
      z.object({
        commands: z.number(),
        batches: z.number(),
        audit: z.number(),
        payloads: z.number(),
        queues: z.number(),
      }),
    )`
      SELECT (SELECT count(*)::int FROM commandbus.command) AS commands,
             (SELECT count(*)::int FROM commandbus.batch) AS batches,
             (SELECT count(*)::int FROM commandbus.audit) AS audit,
             (SELECT count(*)::int FROM commandbus.payload_archive) AS payloads,
             (SELECT count(*)::int FROM pgmq.meta) AS queues`,
  );
}

/** Rejects with this code; `thrown` is checked for its type by the caller. */
async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as { code?: string }).code ?? `untyped ${String(error)}`;
  }
  throw new Error('expected a rejection, got none');
}

describe('hostile input', () => {
  const db = useBusDatabase();
  // A pool that counts every connection it hands out: "before any SQL" means zero.
  let checkouts = 0;
  let spyPool: DatabasePool;
  beforeAll(async () => {
    spyPool = await createPool(db().url, {
      maximumPoolSize: 4,
      interceptors: [
        {
          name: 'count-checkouts',
          beforePoolConnection: () => {
            checkouts += 1;
            return null;
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await spyPool.end();
  });

  /**
   * Runs `work`, returns its error code, and proves it took no connection of
   * the spy pool and wrote nothing. Connections are counted after a round trip
   * of our own, so a query that `work` set off without awaiting it is counted too.
   */
  async function rejectedBeforeSql(work: () => unknown): Promise<string> {
    const before = await footprint(db().pool);
    const checkoutsBefore = checkouts;
    const code = await codeOf(work);
    expect(await footprint(db().pool)).toEqual(before);
    expect(checkouts - checkoutsBefore, 'connections taken').toBe(0);
    return code;
  }

  const producer = (options: Partial<ConstructorParameters<typeof Producer>[0]> = {}) =>
    new Producer({ pool: spyPool, domain: 'hostile', logger: quietLogger, ...options });
  const send = <T extends CommandData>(
    definition: CommandDefinition<T>,
    input: SendInput<T>,
    p = producer(),
  ) => p.send(definition, input);

  /** The msg_ids of the queue's messages that carry this command_id. */
  const messagesOf = (queue: string, commandId: string) =>
    db().pool.anyFirst(
      sql.type(z.object({ msg_id: z.number() }))`
        SELECT msg_id::int AS msg_id FROM ${sql.identifier(['pgmq', `q_${queue}`])}
         WHERE message->>'command_id' = ${commandId} ORDER BY msg_id`,
    );

  /** How many rows the command has (0 or 1, or the id was taken twice). */
  const rowsOf = (domain: string, commandId: string) =>
    db().pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM commandbus.command
         WHERE domain = ${domain} AND command_id = ${commandId}::uuid`,
    );

  describe('names', () => {
    it.each(HOSTILE_NAMES)(
      'a domain with %s is INVALID_DOMAIN for producer, worker and operator',
      async (_, domain) => {
        expect(await rejectedBeforeSql(() => producer({ domain }))).toBe('INVALID_DOMAIN');
        expect(
          await rejectedBeforeSql(() => new Worker({ pool: spyPool, domain, logger: quietLogger })),
        ).toBe('INVALID_DOMAIN');
        expect(
          await rejectedBeforeSql(
            () => new Operator({ pool: spyPool, domain, logger: quietLogger }),
          ),
        ).toBe('INVALID_DOMAIN');
      },
    );

    it.each([
      ['a single quote', 'INVALID_QUEUE_NAME', "replies'x"],
      ['a semicolon', 'INVALID_QUEUE_NAME', 'replies;x'],
      ['a comment', 'INVALID_QUEUE_NAME', 'replies--x'],
      ['a dollar', 'INVALID_QUEUE_NAME', 'replies$x'],
      ['48 bytes', 'INVALID_QUEUE_NAME', 'r'.repeat(48)],
      ['24 two-byte letters', 'INVALID_QUEUE_NAME', 'é'.repeat(24)],
      ['nothing', 'INVALID_QUEUE_NAME', ''],
      ["another domain's reply queue", 'INVALID_REPLY_QUEUE', 'payments__replies'],
      ["another domain's command queue", 'INVALID_REPLY_QUEUE', 'payments__commands'],
      ['its own command queue', 'INVALID_REPLY_QUEUE', 'hostile__commands'],
    ])('a reply_to with %s is %s, before any SQL', async (_, code, replyTo) => {
      expect(await rejectedBeforeSql(() => send(note, { data: { text: 'x' }, replyTo }))).toBe(
        code,
      );
    });

    it.each([
      ['a queue nobody created', 'nobody_made_this'],
      ['upper case', 'Hostile_Replies'],
      ["another domain's queue in other case", 'Payments__Replies'],
      ['unicode', 'réponses'],
    ])('a reply_to naming %s is UNKNOWN_QUEUE, and nothing is written', async (_, replyTo) => {
      await db().pool.query(sql.unsafe`SELECT pgmq.create('payments__replies')`);
      // The domain's own command queue is created on first use, even by a send that then fails.
      await new Producer({ pool: db().pool, domain: 'hostile', logger: quietLogger }).setup();
      const before = await footprint(db().pool);
      expect(await codeOf(() => send(note, { data: { text: 'x' }, replyTo }))).toBe(
        'UNKNOWN_QUEUE',
      );
      expect(await footprint(db().pool)).toEqual(before);
    });
  });

  describe('command types and ids', () => {
    it.each([
      ['empty', ''],
      ['10 KB long', `a${'b'.repeat(10 * 1024)}`],
      ['a quote', "x'y"],
      ['a semicolon and comment', 'x;--'],
      ['unicode', 'commande.créer'],
      ['a space', 'x y'],
    ])('a command type that is %s is INVALID_CONFIG where it is defined', async (_, type) => {
      expect(await rejectedBeforeSql(() => defineCommand({ type, data: z.object({}) }))).toBe(
        'INVALID_CONFIG',
      );
    });

    it.each(NOT_UUIDS)(
      'a command_id that is %s is INVALID_UUID, before any SQL',
      async (_, commandId) => {
        expect(await rejectedBeforeSql(() => send(note, { commandId, data: { text: 'x' } }))).toBe(
          'INVALID_UUID',
        );
      },
    );

    it.each(NOT_UUIDS)(
      'a correlation_id that is %s is INVALID_UUID, before any SQL',
      async (_, correlationId) => {
        expect(
          await rejectedBeforeSql(() => send(note, { correlationId, data: { text: 'x' } })),
        ).toBe('INVALID_UUID');
      },
    );

    it.each(NOT_UUIDS)(
      'a batch_id that is %s is INVALID_UUID, before any SQL',
      async (_, batchId) => {
        const commands = [{ command: note, input: { data: { text: 'x' } } }];
        expect(await rejectedBeforeSql(() => producer().createBatch({ batchId, commands }))).toBe(
          'INVALID_UUID',
        );
      },
    );

    it.each(NOT_UUIDS)(
      'an operator action on a command_id that is %s is INVALID_UUID, before any SQL',
      async (_, commandId) => {
        const operator = new Operator({ pool: spyPool, domain: 'hostile', logger: quietLogger });
        expect(await rejectedBeforeSql(() => operator.cancel(commandId, 'why'))).toBe(
          'INVALID_UUID',
        );
      },
    );

    it('an upper-case command_id is the same command as its lower-case spelling: sent once, worked once', async () => {
      const domain = 'hostile_case';
      const commandId = randomUUID();
      const p = new Producer({ pool: db().pool, domain, logger: quietLogger });
      const first = await p.send(note, { commandId: commandId.toUpperCase(), data: { text: 'x' } });
      const again = await p.send(note, { commandId, data: { text: 'x' } });
      expect(first).toMatchObject({ commandId, duplicate: false });
      expect(again).toMatchObject({ commandId, duplicate: true });
      expect(await rowsOf(domain, commandId)).toBe(1);
      expect(await messagesOf(`${domain}__commands`, commandId)).toEqual([first.msgId]);
      await workUntilCompleted(domain, commandId);
      expect(await commandState(db(), domain, commandId)).toEqual({
        status: 'COMPLETED',
        attempts: 1,
      });
    });

    it('a command_id of any 8-4-4-4-12 hex, as the producer accepts it, is worked, not INVALID_MESSAGE', async () => {
      const domain = 'hostile_hex';
      // Not an RFC 9562 variant: the producer's UUID rule takes it, so the worker must too.
      const commandId = '11111111-2222-3333-4444-555555555555';
      const sent = await new Producer({ pool: db().pool, domain, logger: quietLogger }).send(note, {
        commandId,
        data: { text: 'x' },
      });
      expect(sent.duplicate).toBe(false);
      await workUntilCompleted(domain, commandId);
    });

    async function workUntilCompleted(domain: string, commandId: string) {
      const worker = new Worker({
        pool: db().pool,
        domain,
        logger: quietLogger,
        pollIntervalMs: 100,
      });
      worker.register(note, () => undefined);
      await worker.start();
      try {
        await waitForStatus(db(), domain, commandId, 'COMPLETED');
      } finally {
        await worker.stop();
      }
    }
  });

  describe('payloads', () => {
    it.each([
      ['over a configured 1 KB', 1_024, 1_025],
      ['over the default 1 MiB', undefined, DEFAULTS.maxPayloadBytes + 1],
    ])('data %s is PAYLOAD_TOO_LARGE, before any SQL', async (_, maxPayloadBytes, bytes) => {
      // {"x":"…"} is 8 bytes around the string.
      const data = { x: 'y'.repeat(bytes - 8) };
      const p = producer(maxPayloadBytes === undefined ? {} : { maxPayloadBytes });
      expect(await rejectedBeforeSql(() => p.send(blob, { data }))).toBe('PAYLOAD_TOO_LARGE');
      const commands = [{ command: blob, input: { data } }];
      expect(await rejectedBeforeSql(() => p.createBatch({ commands }))).toBe('PAYLOAD_TOO_LARGE');
    });

    it('data exactly at the limit is sent', async () => {
      const p = new Producer({
        pool: db().pool,
        domain: 'hostile_size',
        maxPayloadBytes: 1_024,
        logger: quietLogger,
      });
      const sent = await p.send(blob, { data: { x: 'y'.repeat(1_024 - 8) } });
      expect(sent.duplicate).toBe(false);
      expect(await rowsOf('hostile_size', sent.commandId)).toBe(1);
      expect(await messagesOf('hostile_size__commands', sent.commandId)).toEqual([sent.msgId]);
    });
  });

  describe('options', () => {
    // The spy pool itself, so that "no connection taken" counts the pool the worker was given.
    const base = (): WorkerOptions => ({ pool: spyPool, domain: 'hostile', logger: quietLogger });
    it.each<[string, Partial<WorkerOptions>]>([
      ['negative concurrency', { concurrency: -1 }],
      ['zero concurrency', { concurrency: 0 }],
      ['fractional concurrency', { concurrency: 1.5 }],
      ['NaN concurrency', { concurrency: Number.NaN }],
      ['a zero lease', { visibilityTimeoutSeconds: 0 }],
      ['a negative lease', { visibilityTimeoutSeconds: -30 }],
      ['a zero poll interval', { pollIntervalMs: 0 }],
      ['an empty backoff', { backoffSeconds: [] }],
      ['a negative backoff', { backoffSeconds: [10, -1] }],
    ])('a worker with %s is INVALID_CONFIG at construction', async (_, options) => {
      expect(await rejectedBeforeSql(() => new Worker({ ...base(), ...options }))).toBe(
        'INVALID_CONFIG',
      );
    });

    it.each([
      ['zero max_attempts', { maxAttempts: 0 }],
      ['fractional max_attempts', { maxAttempts: 2.5 }],
      ['a zero payload limit', { maxPayloadBytes: 0 }],
      ['a negative payload limit', { maxPayloadBytes: -1 }],
    ])('a producer with %s is INVALID_CONFIG at construction', async (_, options) => {
      expect(await rejectedBeforeSql(() => producer(options))).toBe('INVALID_CONFIG');
    });
  });

  describe('messages written straight into the queue', () => {
    const domain = 'hostile_queue';
    const queue = `${domain}__commands`;
    const elsewhere = 'hostile_elsewhere';
    const logLines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    const valid = (commandId: string) => ({
      command_id: commandId,
      domain,
      command_type: note.type,
      data: { text: 'x' },
      correlation_id: null,
      reply_to: null,
      batch_id: null,
      created_at: new Date().toISOString(),
    });
    const { command_type: _dropped, ...withoutType } = valid(randomUUID());

    /** Real commands that an orphan names without making it live in this domain. */
    interface Bystanders {
      /** PENDING, but in another domain. */
      readonly elsewhere: string;
      /** Of this domain, but COMPLETED: terminal. */
      readonly completed: string;
    }
    /** Messages that name no live command of this domain: archived and logged, nothing else. */
    const ORPHANS: readonly [string, (known: Bystanders) => unknown][] = [
      ['a JSON string', () => 'just a string'],
      ['a JSON number', () => 42],
      ['JSON null', () => null],
      ['a JSON array', () => [1, 2, 3]],
      ['a JSON boolean', () => true],
      ['an empty object', () => ({})],
      ['an object without any field of an envelope', () => ({ hello: 'world' })],
      ['a command_id that is not a UUID', () => ({ ...valid(randomUUID()), command_id: 'nope' })],
      [
        "a broken envelope naming another domain's command",
        (known) => ({ ...valid(known.elsewhere), data: 'x' }),
      ],
      [
        'a broken envelope naming a completed command',
        (known) => ({ ...valid(known.completed), data: 'x' }),
      ],
    ];
    /** Messages that name a known, pending command: it must go to troubleshooting. */
    const FORGERIES: readonly [string, (commandId: string) => unknown][] = [
      ['no command_type', (id) => ({ ...withoutType, command_id: id })],
      ['data that is a string', (id) => ({ ...valid(id), data: 'x' })],
      ['data that is an array', (id) => ({ ...valid(id), data: ['x'] })],
      ['a domain that is a number', (id) => ({ ...valid(id), domain: 7 })],
      ["another domain's name", (id) => ({ ...valid(id), domain: 'payments' })],
      ['a created_at that is no date', (id) => ({ ...valid(id), created_at: 'yesterday' })],
      ['a batch_id that is not a UUID', (id) => ({ ...valid(id), batch_id: 'b-1' })],
      ['a reply_to that is a number', (id) => ({ ...valid(id), reply_to: 12 })],
      [
        "another domain's command queue as reply_to",
        (id) => ({ ...valid(id), reply_to: 'payments__commands' }),
      ],
      [
        'another command type than it was sent as',
        (id) => ({ ...valid(id), command_type: blob.type }),
      ],
    ];
    const busStateSchema = z.object({
      commands: z.unknown(),
      audit: z.number(),
      payloads: z.number(),
      batches: z.number(),
      elsewhereMessages: z.number(),
    });
    type BusState = z.infer<typeof busStateSchema>;
    /** Every command row in full, the other tables' sizes, and the other domain's queue. */
    const busState = () =>
      db().pool.one(sql.type(busStateSchema)`
        SELECT (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.domain, c.command_id), '[]')
                  FROM commandbus.command AS c) AS commands,
               (SELECT count(*)::int FROM commandbus.audit) AS audit,
               (SELECT count(*)::int FROM commandbus.payload_archive) AS payloads,
               (SELECT count(*)::int FROM commandbus.batch) AS batches,
               (SELECT count(*)::int FROM ${sql.identifier(['pgmq', `q_${elsewhere}__commands`])})
                 AS "elsewhereMessages"`);

    const orphanMsgIds = new Map<string, number>();
    const forged = new Map<string, { commandId: string; msgId: number }>();
    let noHandlerId = '';
    let shoutedId = '';
    const handled: string[] = [];
    let handledByHostileMessages: string[] = [];
    let aroundOrphans: { before: BusState; after: BusState } | undefined;

    const pgmqSend = async (message: unknown) =>
      db().pool.oneFirst(
        sql.type(
          z.object({ msg_id: z.number() }),
        )`SELECT pgmq.send(${queue}, ${JSON.stringify(message)}::jsonb)::int AS msg_id`,
      );

    /** Runs a worker of the domain until its queue is empty and `done` holds, then stops it. */
    async function work(done: () => Promise<boolean> = async () => true) {
      const worker = new Worker({
        pool: db().pool,
        domain,
        logger,
        pollIntervalMs: 100,
      });
      worker.register(note, ({ command }) => void handled.push(command.commandId));
      worker.register(blob, ({ command }) => void handled.push(command.commandId));
      await worker.start();
      try {
        await waitFor(async () => (await queueDepth(db(), queue)) === 0 && (await done()), {
          timeoutMs: 20_000,
          description: 'the queue to empty',
        });
      } finally {
        await worker.stop();
      }
    }

    beforeAll(async () => {
      const p = new Producer({ pool: db().pool, domain, logger: quietLogger });
      await p.setup();
      await db().pool.query(sql.unsafe`SELECT pgmq.create('payments__commands')`);
      // Real commands whose own messages are taken away, so that only a forgery names each.
      const targets = new Map<string, string>();
      for (const [name] of FORGERIES) {
        const sent = await p.send(note, { data: { text: name } });
        if (sent.msgId !== null) await deleteMessage(db().pool, { queue, msgId: sent.msgId });
        targets.set(name, sent.commandId);
      }
      const known: Bystanders = {
        elsewhere: (
          await new Producer({ pool: db().pool, domain: elsewhere, logger: quietLogger }).send(
            note,
            { data: { text: 'elsewhere' } },
          )
        ).commandId,
        completed: (await p.send(note, { data: { text: 'completed' } })).commandId,
      };
      await work(
        async () => (await commandState(db(), domain, known.completed))?.status === 'COMPLETED',
      );

      // The orphans alone, with the forgeries' targets pending beside them.
      const before = await busState();
      for (const [name, orphan] of ORPHANS) orphanMsgIds.set(name, await pgmqSend(orphan(known)));
      handled.length = 0;
      await work();
      aroundOrphans = { before, after: await busState() };

      for (const [name, forge] of FORGERIES) {
        const commandId = targets.get(name) ?? '';
        forged.set(name, { commandId, msgId: await pgmqSend(forge(commandId)) });
      }
      noHandlerId = (await p.send(stray, { data: {} })).commandId;
      // Written by another producer that spells ids in upper case: still a good message.
      const shouted = await p.send(note, { data: { text: 'shouted' } });
      if (shouted.msgId !== null) await deleteMessage(db().pool, { queue, msgId: shouted.msgId });
      await pgmqSend(valid(shouted.commandId.toUpperCase()));
      shoutedId = shouted.commandId;
      await work();
      handledByHostileMessages = handled.filter((id) => id !== shoutedId);

      // Still working: a good command after all of that completes.
      const after = await p.send(note, { data: { text: 'after the storm' } });
      await work(
        async () => (await commandState(db(), domain, after.commandId))?.status === 'COMPLETED',
      );
    });

    const archived = (msgId: number) =>
      db().pool.oneFirst(
        sql.type(
          z.object({ n: z.number() }),
        )`SELECT count(*)::int AS n FROM pgmq.a_hostile_queue__commands WHERE msg_id = ${msgId}`,
      );
    const logged = (msgId: number) =>
      logLines
        .map((line) => JSON.parse(line) as { msg?: string; msgId?: number })
        .some((entry) => entry.msg === 'invalid message archived' && entry.msgId === msgId);

    it.each(ORPHANS.map(([name]) => [name]))('%s is archived and logged', async (name) => {
      const msgId = orphanMsgIds.get(name) ?? -1;
      expect(await archived(msgId)).toBe(1);
      expect(logged(msgId)).toBe(true);
    });

    it('no orphan created or changed a command, an audit event, a payload copy or a batch', async () => {
      expect(aroundOrphans?.after).toEqual(aroundOrphans?.before);
      // What was compared holds the commands the orphans named, and pending ones beside them.
      const commands = (aroundOrphans?.before.commands ?? []) as {
        domain: string;
        status: string;
      }[];
      expect(
        commands
          .filter((c) => c.domain === domain || c.domain === elsewhere)
          .map((c) => `${c.domain} ${c.status}`)
          .sort(),
      ).toEqual([
        `${elsewhere} PENDING`,
        `${domain} COMPLETED`,
        ...FORGERIES.map(() => `${domain} PENDING`),
      ]);
      expect(aroundOrphans?.before.elsewhereMessages).toBe(1);
    });

    it.each(FORGERIES.map(([name]) => [name]))(
      'a message with %s sends its command to troubleshooting as INVALID_MESSAGE, archived and logged',
      async (name) => {
        const { commandId, msgId } = forged.get(name) ?? { commandId: '', msgId: -1 };
        const command = await getCommand(db().pool, { domain, commandId });
        expect(command).toMatchObject({
          status: 'IN_TROUBLESHOOTING_QUEUE',
          lastErrorCode: 'INVALID_MESSAGE',
        });
        expect(await archived(msgId)).toBe(1);
        expect(
          logged(msgId) ||
            logLines.some((line) => line.includes(commandId) && line.includes('INVALID_MESSAGE')),
        ).toBe(true);
        expect(await getArchivedPayload(db().pool, { domain, commandId })).not.toBeNull();
      },
    );

    it('no orphan or forged message ran a handler or wrote into another domain’s queue', async () => {
      expect(handledByHostileMessages).toEqual([]);
      expect(await queueDepth(db(), 'payments__commands')).toBe(0);
    });

    it('a good message that spells its command_id in upper case is worked like any other', async () => {
      expect(await commandState(db(), domain, shoutedId)).toEqual({
        status: 'COMPLETED',
        attempts: 1,
      });
      expect(handled).toContain(shoutedId);
    });

    it('a command type without a handler goes to troubleshooting as NO_HANDLER', async () => {
      const command = await getCommand(db().pool, { domain, commandId: noHandlerId });
      expect(command).toMatchObject({
        status: 'IN_TROUBLESHOOTING_QUEUE',
        lastErrorType: 'PERMANENT',
        lastErrorCode: 'NO_HANDLER',
      });
      expect((await commandState(db(), domain, noHandlerId))?.attempts).toBe(1);
    });
  });

  it('a producer that has rejected hostile input of every kind still sends on the same pool, as a row and a message', async () => {
    const domain = 'hostile';
    const p = producer();
    const data = { text: 'x' };
    const existing = (
      await new Producer({ pool: db().pool, domain, logger: quietLogger }).send(note, { data })
    ).commandId;
    const reject = (code: string, work: () => unknown): [string, () => unknown] => [code, work];
    const rejections = [
      ...NOT_UUIDS.map(([, commandId]) =>
        reject('INVALID_UUID', () => p.send(note, { commandId, data })),
      ),
      reject('INVALID_UUID', () =>
        p.createBatch({ batchId: 'b-1', commands: [{ command: note, input: { data } }] }),
      ),
      reject('INVALID_QUEUE_NAME', () => p.send(note, { data, replyTo: "replies'x" })),
      reject('INVALID_REPLY_QUEUE', () => p.send(note, { data, replyTo: 'payments__commands' })),
      reject('PAYLOAD_TOO_LARGE', () =>
        p.send(blob, { data: { x: 'y'.repeat(DEFAULTS.maxPayloadBytes) } }),
      ),
      reject('INVALID_ARGUMENT', () => p.createBatch({ commands: [] })),
      // These get as far as SQL, more often than the pool has connections: a
      // rejection that kept its connection (or its transaction) would starve the send.
      ...Array.from({ length: 5 }, () => [
        reject('UNKNOWN_QUEUE', () => p.send(note, { data, replyTo: 'nobody_made_this' })),
        reject('DUPLICATE_COMMAND', () =>
          p.createBatch({ commands: [{ command: note, input: { commandId: existing, data } }] }),
        ),
      ]).flat(),
    ];
    for (const [code, work] of rejections) expect(await codeOf(work)).toBe(code);

    const checkoutsBefore = checkouts;
    const sent = await p.send(note, { data: { text: 'fine' } });
    expect(sent.duplicate).toBe(false);
    expect(checkouts, 'connections of the spy pool taken by the send').toBeGreaterThan(
      checkoutsBefore,
    );
    expect(await getCommand(db().pool, { domain, commandId: sent.commandId })).toMatchObject({
      status: 'PENDING',
      msgId: sent.msgId,
    });
    expect(await messagesOf(`${domain}__commands`, sent.commandId)).toEqual([sent.msgId]);
  });
});
