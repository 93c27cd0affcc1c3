// The operator CLI as a real process: output for people, --json parsed back,
// and exit codes (0 ok, 1 not found / wrong state / unreachable, 2 usage).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { sql } from 'slonik';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BusinessRuleError,
  defineCommand,
  PermanentCommandError,
  Producer,
  Worker,
  type BatchDetails,
  type BatchRow,
  type CommandDetails,
  type CommandRow,
  type QueueMetrics,
  type ResolveResult,
  type RetryManyResult,
  type RetryResult,
  type TroubleshootingPage,
} from '@commandbus/commandbus';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useTestDatabase, waitFor } from '@commandbus/testing';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const operatorMain = path.resolve(here, '../src/main.ts');
const silent = pino({ level: 'silent' });

const charge = defineCommand({ type: 'test.Charge', data: z.object({ amount: z.number() }) });
const refund = defineCommand({ type: 'test.Refund', data: z.object({ amount: z.number() }) });

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('operator CLI', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  // Node's compile cache, shared by this file's CLI runs, halves each run's
  // start-up (most of it is loading and stripping the libraries' TypeScript).
  const compileCache = mkdtempSync(path.join(tmpdir(), 'operator-cli-cache-'));
  afterAll(() => rmSync(compileCache, { recursive: true, force: true }));

  function operator(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
    // LOG_LEVEL would let library log lines into stdout; the CLI's own output is under test.
    const { LOG_LEVEL: _ignored, ...inherited } = process.env;
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [operatorMain, ...args],
        {
          env: { ...inherited, NODE_COMPILE_CACHE: compileCache, DATABASE_URL: db().url, ...env },
          timeout: 30_000,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async function json<T>(args: readonly string[]): Promise<T> {
    const run = await operator([...args, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  }

  /** Commands sent in a batch and failed permanently by an in-process worker. */
  async function intoTroubleshooting(domain: string, count: number, type = charge) {
    const producer = new Producer({ pool: db().pool, domain, logger: silent });
    const { batchId, commands } = await producer.createBatch({
      name: 'cli',
      commands: Array.from({ length: count }, (_, amount) => ({
        command: type,
        input: { data: { amount }, replyTo: true as const },
      })),
    });
    const worker = new Worker({ pool: db().pool, domain, logger: silent, pollIntervalMs: 50 });
    const declined = () => {
      throw new PermanentCommandError('CARD_DECLINED', 'the card was declined');
    };
    worker.register(charge, declined).register(refund, declined);
    await worker.start();
    try {
      await waitFor(
        async () =>
          (await db().pool.oneFirst(
            sql.type(z.object({ n: z.number() }))`
              SELECT count(*)::int AS n FROM commandbus.command
               WHERE domain = ${domain} AND batch_id = ${batchId} AND status = 'IN_TROUBLESHOOTING_QUEUE'`,
          )) === count,
        { description: 'commands in the troubleshooting queue' },
      );
    } finally {
      await worker.stop();
    }
    return { batchId, ids: commands.map((c) => c.commandId) };
  }

  async function statusOf(domain: string, commandId: string): Promise<string> {
    return db().pool.oneFirst(
      sql.type(z.object({ status: z.string() }))`
        SELECT status FROM commandbus.command WHERE domain = ${domain} AND command_id = ${commandId}`,
    );
  }

  it('prints help for the program and every subcommand, exit 0', async () => {
    const top = await operator(['--help']);
    expect(top.code).toBe(0);
    for (const group of ['tsq', 'command', 'commands', 'batch', 'queues'])
      expect(top.stdout).toContain(group);
    expect(top.stdout).toContain('DATABASE_URL');
    // One subcommand per group (each process costs a second of start-up).
    const helps = await Promise.all(
      [
        ['tsq', 'list'],
        ['tsq', 'retry'],
        ['command', 'show'],
        ['commands', 'list'],
        ['batch', 'list'],
        ['queues'],
      ].map((args) => operator([...args, '--help'])),
    );
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--json');
      expect(help.stdout).not.toContain('--url');
    }
    // commander wraps long descriptions: compare with the whitespace folded.
    expect(helps[0]?.stdout.replace(/\s+/g, ' ')).toContain(
      '--domain <domain> domain of the troubleshooting queue (required; there is no default)',
    );
  });

  it('tsq list: an aligned table for people, the page as JSON for scripts', async () => {
    const domain = 'cli_list';
    const { ids, batchId } = await intoTroubleshooting(domain, 3);
    const run = await operator(['tsq', 'list', '--domain', domain]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^command id\s+type\s+batch\s+attempts\s+last error\s+since$/);
    for (const id of ids) expect(run.stdout).toContain(id);
    expect(run.stdout).toContain('PERMANENT CARD_DECLINED: the card was declined');
    expect(run.stdout).toContain(`1-3 of 3 in the troubleshooting queue of domain ${domain}`);
    // Aligned: every row starts its second column where the header does.
    const typeColumn = lines[0]?.indexOf('type') ?? -1;
    for (const line of lines.slice(2, 5)) expect(line.indexOf('test.Charge')).toBe(typeColumn);

    const page = await json<TroubleshootingPage>([
      'tsq',
      'list',
      '--domain',
      domain,
      '--limit',
      '2',
    ]);
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({
      command: { status: 'IN_TROUBLESHOOTING_QUEUE', batchId },
      lastError: { code: 'CARD_DECLINED' },
      payload: { command_type: 'test.Charge' },
    });
    const byBatch = await json<TroubleshootingPage>([
      'tsq',
      'list',
      '--domain',
      domain,
      '--batch',
      batchId,
    ]);
    expect(byBatch.total).toBe(3);
    const empty = await operator(['tsq', 'list', '--domain', 'cli_nothing']);
    expect(empty).toMatchObject({
      code: 0,
      stdout: 'the troubleshooting queue of domain cli_nothing is empty\n',
    });
  });

  it('tsq retry <id>: re-enqueued, exit 0; retrying it again is a one-line wrong-state error, exit 1', async () => {
    const domain = 'cli_retry';
    const { ids } = await intoTroubleshooting(domain, 2);
    const [first, second] = ids as [string, string];
    const run = await operator(['tsq', 'retry', first, '--domain', domain]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^retried ${first}: PENDING again as message \\d+\\n$`));
    expect(await statusOf(domain, first)).toBe('PENDING');

    const again = await operator(['tsq', 'retry', first, '--domain', domain]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `operator: domain ${domain}: command ${first} is PENDING, not IN_TROUBLESHOOTING_QUEUE [NOT_IN_TROUBLESHOOTING]\n`,
    );
    const result = await json<RetryResult>([
      'tsq',
      'retry',
      second,
      '--domain',
      domain,
      '--actor',
      'bob',
    ]);
    expect(result).toMatchObject({ commandId: second, status: 'PENDING', batchCompleted: false });
    expect(typeof result.msgId).toBe('number');
    const details = await json<CommandDetails>(['command', 'show', second, '--domain', domain]);
    expect(details.auditTrail.at(-1)).toMatchObject({
      eventType: 'OPERATOR_RETRY',
      details: { operator: 'bob' },
    });
  });

  it('tsq retry of many ids counts what happened, and exits 1 when an id was not retried', async () => {
    const domain = 'cli_retry_many';
    const { ids } = await intoTroubleshooting(domain, 2);
    const [a, b] = ids as [string, string];
    const unknown = '00000000-0000-4000-8000-000000000000';
    const run = await operator(['tsq', 'retry', a, b, unknown, '--domain', domain]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^command id\s+outcome\s+detail$/m);
    expect(run.stdout).toMatch(new RegExp(`^${a}\\s+retried\\s+message \\d+$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${unknown}\\s+not found$`, 'm'));
    expect(run.stdout).toContain(
      '2 retried, 0 not in the troubleshooting queue, 1 not found, 0 not retryable',
    );
    expect(run.stderr).toBe('operator: 1 of 3 commands were not retried [NOT_ALL_RETRIED]\n');

    const again = await operator(['tsq', 'retry', a, b, '--domain', domain, '--json']);
    expect(again.code).toBe(1);
    const result = JSON.parse(again.stdout) as RetryManyResult;
    expect(result).toMatchObject({ retried: 0, notInTroubleshooting: 2 });
    expect(result.items.map((i) => i.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('tsq retry --type / --all retries every matching item with counts, exit 0', async () => {
    const domain = 'cli_retry_filter';
    await intoTroubleshooting(domain, 2, charge);
    const { ids: refunds } = await intoTroubleshooting(domain, 3, refund);
    const byType = await json<RetryManyResult>([
      'tsq',
      'retry',
      '--type',
      'test.Refund',
      '--domain',
      domain,
    ]);
    expect(byType).toMatchObject({ retried: 3, notInTroubleshooting: 0, notFound: 0 });
    expect(byType.items.map((i) => i.commandId).sort()).toEqual([...refunds].sort());
    const all = await operator(['tsq', 'retry', '--all', '--domain', domain]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(
      '2 retried, 0 not in the troubleshooting queue, 0 not found, 0 not retryable',
    );
    const none = await operator(['tsq', 'retry', '--all', '--domain', domain]);
    expect(none).toMatchObject({
      code: 0,
      stdout: 'no items in the troubleshooting queue match\n',
    });
  });

  it('tsq cancel and tsq complete: the new state, reply and batch in the output; JSON parsed back', async () => {
    const domain = 'cli_resolve';
    const { ids, batchId } = await intoTroubleshooting(domain, 2);
    const [a, b] = ids as [string, string];
    const canceled = await operator([
      'tsq',
      'cancel',
      a,
      '--domain',
      domain,
      '--reason',
      'customer left',
    ]);
    expect(canceled.code).toBe(0);
    expect(canceled.stdout).toBe(
      `canceled ${a}; reply CANCELED sent to ${domain}__replies; batch ${batchId} not complete yet\n`,
    );
    const completed = await json<ResolveResult>([
      'tsq',
      'complete',
      b,
      '--domain',
      domain,
      '--data',
      '{"receipt":"R-9"}',
    ]);
    expect(completed).toEqual({
      domain,
      commandId: b,
      status: 'COMPLETED',
      batchId,
      batchCompleted: true,
      replyQueue: `${domain}__replies`,
    });
    const twice = await operator(['tsq', 'complete', b, '--domain', domain]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`is COMPLETED, not IN_TROUBLESHOOTING_QUEUE`);
    expect(twice.stderr.trimEnd().split('\n')).toHaveLength(1);
    const batch = await json<BatchDetails>(['batch', 'show', batchId, '--domain', domain]);
    expect(batch.batch).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      completedCount: 1,
      canceledCount: 1,
    });
  });

  it('command show prints the command and its whole audit trail; unknown is exit 1', async () => {
    const domain = 'cli_show';
    const { ids } = await intoTroubleshooting(domain, 1);
    const [id] = ids as [string];
    await operator(['tsq', 'retry', id, '--domain', domain]);
    const run = await operator(['command', 'show', id, '--domain', domain]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status\s+PENDING$/m);
    expect(run.stdout).toMatch(/^last error\s+PERMANENT CARD_DECLINED: the card was declined$/m);
    expect(run.stdout).toContain('audit trail (4 events, oldest first)');
    const events = [
      ...run.stdout.matchAll(/^\S+\s+(SENT|RECEIVED|MOVED_TO_TSQ|OPERATOR_RETRY)\s/gm),
    ];
    expect(events.map((m) => m[1])).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ', 'OPERATOR_RETRY']);

    const unknown = await operator([
      'command',
      'show',
      '00000000-0000-4000-8000-000000000001',
      '--domain',
      domain,
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(
      `operator: domain ${domain}: no command 00000000-0000-4000-8000-000000000001 [COMMAND_NOT_FOUND]\n`,
    );
  });

  it('commands list, batch list/show and queues, as tables and as JSON', async () => {
    const domain = 'cli_inspect';
    const { ids, batchId } = await intoTroubleshooting(domain, 2);
    const table = await operator([
      'commands',
      'list',
      '--domain',
      domain,
      '--status',
      'IN_TROUBLESHOOTING_QUEUE',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^command id\s+domain\s+type\s+status\s+attempts\s+batch\s+created$/m,
    );
    for (const id of ids) expect(table.stdout).toContain(id);
    const rows = await json<CommandRow[]>([
      'commands',
      'list',
      '--domain',
      domain,
      '--batch',
      batchId,
      '--type',
      'test.Charge',
      '--since',
      '2000-01-01',
      '--until',
      '2999-01-01T00:00:00Z',
      '--limit',
      '1',
    ]);
    expect(rows).toHaveLength(1);
    expect(
      await json<CommandRow[]>(['commands', 'list', '--domain', domain, '--status', 'COMPLETED']),
    ).toEqual([]);

    const batches = await json<BatchRow[]>(['batch', 'list', '--domain', domain]);
    expect(batches.map((b) => b.batchId)).toEqual([batchId]);
    const batchTable = await operator(['batch', 'list', '--domain', domain]);
    expect(batchTable.stdout).toMatch(
      new RegExp(`^${batchId}\\s+${domain}\\s+cli\\s+IN_PROGRESS\\s+2\\s+0\\s+0\\s+0\\s+2\\s`, 'm'),
    );
    const show = await operator(['batch', 'show', batchId, '--domain', domain]);
    expect(show.stdout).toMatch(/^in troubleshooting\s+2$/m);
    expect(show.stdout).toMatch(/^failed\s+0$/m);
    expect(show.stdout).toMatch(/^type\s+COMMAND$/m);
    expect(show.stdout).toContain('BATCH_STARTED');
    const missing = await operator([
      'batch',
      'show',
      '00000000-0000-4000-8000-000000000002',
      '--domain',
      domain,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[BATCH_NOT_FOUND]');

    const queues = await json<QueueMetrics[]>(['queues', '--domain', domain]);
    expect(queues.map((q) => q.queueName)).toEqual([`${domain}__commands`, `${domain}__replies`]);
    const queueTable = await operator(['queues']);
    expect(queueTable.stdout).toMatch(new RegExp(`^${domain}__commands\\s+0\\s+0\\s`, 'm'));
  });

  it('commands list --status FAILED lists business-rule failures; command show reads every event type of both libraries', async () => {
    const domain = 'cli_failed';
    const producer = new Producer({ pool: db().pool, domain, logger: silent });
    const { commandId } = await producer.send(charge, { data: { amount: 1 } });
    const worker = new Worker({ pool: db().pool, domain, logger: silent, pollIntervalMs: 50 });
    worker.register(charge, () => {
      throw new BusinessRuleError('OVER_LIMIT', 'over the limit');
    });
    await worker.start();
    try {
      await waitFor(
        async () =>
          (await json<CommandRow[]>(['commands', 'list', '--domain', domain, '--status', 'FAILED']))
            .length === 1,
      );
    } finally {
      await worker.stop();
    }
    // Rows the Python command bus writes: its troubleshooting move and its retry events.
    await db().pool.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type)
      VALUES (${domain}, ${commandId}::uuid, 'MOVED_TO_TSQ'), (${domain}, ${commandId}::uuid, 'RETRY_SCHEDULED')`);
    const run = await operator(['command', 'show', commandId, '--domain', domain]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status\s+FAILED$/m);
    expect(run.stdout).toMatch(/^last error\s+BUSINESS_RULE OVER_LIMIT: over the limit$/m);
    const events = [...run.stdout.matchAll(/^\S+\s+([A-Z_]+)(\s|$)/gm)].map((m) => m[1]);
    expect(events).toEqual(
      expect.arrayContaining(['BUSINESS_RULE_FAILED', 'MOVED_TO_TSQ', 'RETRY_SCHEDULED']),
    );
  });

  it('exits 2 on usage errors, before touching the database', async () => {
    const id = '00000000-0000-4000-8000-000000000003';
    const cases: string[][] = [
      [],
      ['nonsense'],
      ['tsq'],
      ['tsq', 'list'],
      ['tsq', 'list', '--domain', 'Bad-Domain'],
      ['tsq', 'list', '--domain', 'ok', '--limit', '0'],
      ['tsq', 'retry', '--domain', 'ok'],
      ['tsq', 'retry', id, '--all', '--domain', 'ok'],
      ['tsq', 'retry', 'not-a-uuid', '--domain', 'ok'],
      ['tsq', 'cancel', id, '--domain', 'ok'],
      ['tsq', 'cancel', id, '--domain', 'ok', '--reason', ' '],
      ['tsq', 'complete', id, '--domain', 'ok', '--data', '[1]'],
      ['commands', 'list', '--status', 'DONE'],
      ['commands', 'list', '--since', 'yesterday'],
    ];
    // An unreachable URL: a usage error must be found before any connection is tried.
    const runs = await Promise.all(
      cases.map((args) => operator(args, { DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/none' })),
    );
    runs.forEach((run, i) => {
      expect(run.code, cases[i]?.join(' ')).toBe(2);
      expect(run.stderr, cases[i]?.join(' ')).not.toContain('cannot connect');
    });
    const noUrl = await operator(['queues'], { DATABASE_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('DATABASE_URL is not set');
  });

  it('exits 1 with one line and no password when the database is unreachable', async () => {
    const run = await operator(['tsq', 'list', '--domain', 'any'], {
      DATABASE_URL: 'postgres://operator:s3cret-pw@127.0.0.1:1/commandbus',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      'cannot connect to postgres://operator:***@127.0.0.1:1/commandbus',
    );
    expect(run.stderr).toContain('[DATABASE_UNAVAILABLE]');
    expect(run.stderr).not.toContain('s3cret-pw');
  });
});
