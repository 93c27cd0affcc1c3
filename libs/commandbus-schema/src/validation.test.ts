import { randomUUID } from 'node:crypto';
import { createPool, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@commandbus/testing';
import { CommandBusError, InvalidInputError } from './errors.ts';
import { failCommand } from './procedures/fail-command.ts';
import { finishCommand } from './procedures/finish-command.ts';
import { receiveCommand } from './procedures/receive-command.ts';
import { startBatch } from './procedures/start-batch.ts';
import { tsqCancel } from './procedures/tsq-cancel.ts';
import { tsqComplete } from './procedures/tsq-complete.ts';
import { tsqRetry } from './procedures/tsq-retry.ts';
import { updateBatchCounters } from './procedures/update-batch-counters.ts';
import { archivePayloads } from './queries/archive-payloads.ts';
import { insertAuditEvents } from './queries/insert-audit-events.ts';
import { insertBatch } from './queries/insert-batch.ts';
import { insertCommands } from './queries/insert-commands.ts';
import { listBatches } from './queries/list-batches.ts';
import { listCommands } from './queries/list-commands.ts';
import { enqueueCommands } from './queries/enqueue-commands.ts';
import { receiveCommands } from './queries/receive-commands.ts';
import { countRows } from './test-support/fixtures.ts';
import { schemaSql } from './test-support/migrations.ts';
import { assertDomain, assertUuid, DOMAIN_PATTERN } from './validation.ts';

describe('domain and UUID rules', () => {
  it.each(['a', 'payments', 'orders_v2', 'a'.repeat(30)])('accepts the domain %s', (domain) => {
    expect(() => assertDomain(domain)).not.toThrow();
  });

  it.each(['', 'Payments', '2fa', '_x', 'pay-ments', 'pay ments', 'a'.repeat(31), 'é'])(
    'rejects the domain %j with INVALID_DOMAIN naming the field, the rule and the value',
    (domain) => {
      const error = (() => {
        try {
          assertDomain(domain);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toBeInstanceOf(CommandBusError);
      expect(error).toMatchObject({ code: 'INVALID_DOMAIN', field: 'domain', value: domain });
      const { message } = error as Error;
      expect(message).toContain('domain');
      expect(message).toContain(DOMAIN_PATTERN.source);
      expect(message).toContain(JSON.stringify(domain).slice(0, 20));
    },
  );

  it('rejects a non-string domain', () => {
    expect(() => assertDomain(42)).toThrow(
      expect.objectContaining({ code: 'INVALID_DOMAIN', message: expect.stringContaining('42') }),
    );
  });

  it('accepts canonical UUIDs of any version and rejects other spellings', () => {
    expect(() => assertUuid('id', randomUUID())).not.toThrow();
    expect(() => assertUuid('id', '00000000-0000-0000-0000-000000000000')).not.toThrow();
    for (const bad of [
      '',
      'not-a-uuid',
      '{00000000-0000-0000-0000-000000000000}',
      '000000000000000000000000000000000',
      7,
    ]) {
      expect(() => assertUuid('id', bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_UUID', field: 'id' }),
      );
    }
  });
});

describe('wrappers reject bad input before any SQL runs', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  let counted: DatabasePool;
  let queries = 0;
  beforeAll(async () => {
    // A real pool that counts the statements it is asked to run.
    counted = await createPool(db().url, {
      maximumPoolSize: 1,
      interceptors: [
        {
          name: 'count-queries',
          beforeQueryExecution: () => {
            queries += 1;
            return null;
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await counted.end();
  });

  const id = randomUUID();
  const cases: [string, string, (pool: DatabasePool) => Promise<unknown>][] = [
    [
      'receiveCommand with a bad domain',
      'INVALID_DOMAIN',
      (p) => receiveCommand(p, { domain: 'Bad-Domain', commandId: id }),
    ],
    [
      'receiveCommand with a non-UUID',
      'INVALID_UUID',
      (p) => receiveCommand(p, { domain: 'ok', commandId: '42' }),
    ],
    [
      'receiveCommand with an unknown status',
      'INVALID_STATUS',
      (p) => receiveCommand(p, { domain: 'ok', commandId: id, newStatus: 'RUNNING' as never }),
    ],
    [
      'finishCommand with an unknown status',
      'INVALID_STATUS',
      (p) =>
        finishCommand(p, {
          domain: 'ok',
          commandId: id,
          status: 'DONE' as never,
          eventType: 'COMPLETED',
        }),
    ],
    [
      'finishCommand with a non-finishing status',
      'INVALID_STATUS',
      (p) =>
        finishCommand(p, {
          domain: 'ok',
          commandId: id,
          status: 'PENDING' as never,
          eventType: 'COMPLETED',
        }),
    ],
    [
      'finishCommand with an unknown event type',
      'INVALID_EVENT_TYPE',
      (p) =>
        finishCommand(p, {
          domain: 'ok',
          commandId: id,
          status: 'COMPLETED',
          eventType: 'DONE' as never,
        }),
    ],
    [
      'finishCommand with a non-UUID batch id',
      'INVALID_UUID',
      (p) =>
        finishCommand(p, {
          domain: 'ok',
          commandId: id,
          status: 'COMPLETED',
          eventType: 'COMPLETED',
          batchId: 'b',
        }),
    ],
    [
      'failCommand with a negative attempt',
      'INVALID_ARGUMENT',
      (p) =>
        failCommand(p, {
          domain: 'ok',
          commandId: id,
          errorType: null,
          errorCode: null,
          errorMsg: null,
          attempt: -1,
          maxAttempts: 3,
          msgId: 1,
        }),
    ],
    [
      'updateBatchCounters with an unknown update type',
      'INVALID_UPDATE_TYPE',
      (p) => updateBatchCounters(p, { domain: 'ok', batchId: id, updateType: 'done' as never }),
    ],
    [
      'startBatch with a bad domain',
      'INVALID_DOMAIN',
      (p) => startBatch(p, { domain: '', batchId: id }),
    ],
    [
      'tsqComplete with a non-UUID',
      'INVALID_UUID',
      (p) => tsqComplete(p, { domain: 'ok', batchId: 'x' }),
    ],
    [
      'tsqCancel with a bad domain',
      'INVALID_DOMAIN',
      (p) => tsqCancel(p, { domain: 'A', batchId: id }),
    ],
    ['tsqRetry with a non-UUID', 'INVALID_UUID', (p) => tsqRetry(p, { domain: 'ok', batchId: '' })],
    [
      'insertCommands with one bad row among good ones',
      'INVALID_DOMAIN',
      (p) =>
        insertCommands(p, [
          {
            domain: 'ok',
            queueName: 'ok__commands',
            commandId: randomUUID(),
            commandType: 'T',
            maxAttempts: 3,
          },
          {
            domain: 'NOT OK',
            queueName: 'q',
            commandId: randomUUID(),
            commandType: 'T',
            maxAttempts: 3,
          },
        ]),
    ],
    [
      'insertBatch with a negative total',
      'INVALID_ARGUMENT',
      (p) => insertBatch(p, { domain: 'ok', batchId: id, totalCount: -1 }),
    ],
    [
      'insertAuditEvents with an unknown event type',
      'INVALID_EVENT_TYPE',
      (p) =>
        insertAuditEvents(p, [
          { domain: 'ok', commandId: id, eventType: 'SENT' },
          { domain: 'ok', commandId: id, eventType: 'X' as never },
        ]),
    ],
    [
      'archivePayloads with the same command twice',
      'INVALID_ARGUMENT',
      (p) =>
        archivePayloads(p, [
          { domain: 'ok', commandId: id, payload: {} },
          { domain: 'ok', commandId: id, payload: {} },
        ]),
    ],
    [
      'receiveCommands with the same command twice',
      'INVALID_ARGUMENT',
      (p) =>
        receiveCommands(p, {
          domain: 'ok',
          deliveries: [
            { commandId: id, msgId: 1 },
            { commandId: id.toUpperCase(), msgId: 2 },
          ],
        }),
    ],
    [
      'enqueueCommands with the same command twice',
      'INVALID_ARGUMENT',
      (p) =>
        enqueueCommands(p, {
          domain: 'ok',
          queue: 'ok__commands',
          batchId: null,
          channel: 'commandbus_ok',
          commands: [id, id].map((commandId) => ({
            commandId,
            commandType: 'T',
            maxAttempts: 3,
            replyQueue: '',
            correlationId: null,
            message: {},
          })),
        }),
    ],
    [
      'listCommands with an unknown status',
      'INVALID_STATUS',
      (p) => listCommands(p, { status: 'LOST' as never, limit: 10, offset: 0 }),
    ],
    [
      'listCommands with a zero limit',
      'INVALID_ARGUMENT',
      (p) => listCommands(p, { limit: 0, offset: 0 }),
    ],
    [
      'listBatches with a bad domain',
      'INVALID_DOMAIN',
      (p) => listBatches(p, { domain: 'X', limit: 10, offset: 0 }),
    ],
  ];

  it('counts the statements of a valid call (the probe works)', async () => {
    queries = 0;
    expect(await receiveCommand(counted, { domain: 'ok', commandId: randomUUID() })).toBeNull();
    expect(queries).toBe(1);
  });

  it.each(cases)(
    '%s: InvalidInputError %s, no statement sent, nothing written',
    async (_name, code, call) => {
      const before = await Promise.all(
        (['command', 'batch', 'audit', 'payload_archive'] as const).map((t) =>
          countRows(db().pool, t),
        ),
      );
      queries = 0;
      const error = await call(counted).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ code });
      expect((error as InvalidInputError).field).toBeTruthy();
      expect((error as Error).message).toContain((error as InvalidInputError).field);
      expect(queries).toBe(0);
      const after = await Promise.all(
        (['command', 'batch', 'audit', 'payload_archive'] as const).map((t) =>
          countRows(db().pool, t),
        ),
      );
      expect(after).toEqual(before);
    },
  );
});
