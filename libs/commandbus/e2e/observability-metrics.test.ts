// A worker's /metrics scraped over HTTP while it runs real commands: every
// counter agrees with what the database recorded, the gauges show held slots,
// the prefetch buffer and the domain's rows, and a sample is reused within its
// interval rather than queried per scrape.
import { Registry } from 'prom-client';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gate, waitFor } from '@commandbus/testing';
import { CancelCommandError, Operator, PermanentCommandError, Producer } from '../src/index.ts';
import { quietLogger, startWorker, useBusDatabase, waitForStatus } from './bus-fixture.ts';
import { scrape, scrapeOf } from './observability-scrape.ts';
import { busyUntilFailTimes, doomed, flaky, ping, refuse } from './test-commands.ts';

const countRow = z.object({ n: z.number() });

describe('worker metrics', () => {
  const db = useBusDatabase();

  const auditCount = (domain: string, eventType: string) =>
    db().pool.oneFirst(
      sql.type(countRow)`
        SELECT count(*)::int AS n FROM commandbus.audit
         WHERE domain = ${domain} AND event_type = ${eventType}`,
    );
  const statusCount = (domain: string, status: string) =>
    db().pool.oneFirst(
      sql.type(countRow)`
        SELECT count(*)::int AS n FROM commandbus.command
         WHERE domain = ${domain} AND status = ${status}`,
    );

  it('scraped counters and histograms agree with the commands, attempts and audit trail in the database', async () => {
    const domain = 'obs_counts';
    const registry = new Registry();
    const producer = new Producer({
      pool: db().pool,
      domain,
      logger: quietLogger,
      metrics: { registry },
    });
    const worker = await startWorker(
      db(),
      { domain, concurrency: 4, metrics: { port: 0, host: '127.0.0.1', sampleIntervalMs: 1 } },
      (w) =>
        w
          .register(ping, () => undefined)
          .register(flaky, busyUntilFailTimes)
          .register(refuse, () => {
            throw new CancelCommandError('not wanted');
          })
          .register(doomed, () => {
            throw new PermanentCommandError('DOOMED', 'never works');
          }),
    );
    const url = worker.metricsUrl ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const sent = await producer.sendBatch([
      ...Array.from({ length: 5 }, (_, n) => ({ command: ping, input: { data: { n } } })),
      { command: flaky, input: { data: { failTimes: 2 } } },
      { command: refuse, input: { data: {} } },
      { command: doomed, input: { data: {} } },
    ]);
    for (const [i, status] of [
      [0, 'COMPLETED'],
      [5, 'COMPLETED'],
      [6, 'CANCELED'],
      [7, 'IN_TROUBLESHOOTING_QUEUE'],
    ] as const) {
      await waitForStatus(db(), domain, sent[i]?.commandId ?? '', status);
    }
    await waitForStatus(db(), domain, sent[4]?.commandId ?? '', 'COMPLETED');
    const completed = await statusCount(domain, 'COMPLETED');
    // A settle is counted once its transaction committed: wait for the last.
    const metrics = await waitFor(
      async () => {
        const s = await scrape(url);
        const finished = s.sum('commandbus_deliveries_finished_total', { domain });
        return finished === completed + 1 + 1 + 2 ? s : undefined;
      },
      { description: 'every settled delivery counted' },
    );

    expect(completed).toBe(6);
    expect(metrics.sum('commandbus_commands_received_total', { domain })).toBe(
      await auditCount(domain, 'RECEIVED'),
    );
    expect(
      metrics.sum('commandbus_commands_received_total', { domain, command_type: flaky.type }),
    ).toBe(3);
    const finished = (outcome: string) =>
      metrics.sum('commandbus_deliveries_finished_total', { domain, outcome });
    expect(finished('completed')).toBe(completed);
    expect(finished('canceled')).toBe(await statusCount(domain, 'CANCELED'));
    expect(finished('troubleshooting')).toBe(await statusCount(domain, 'IN_TROUBLESHOOTING_QUEUE'));
    expect(finished('retry')).toBe(2);
    expect(
      metrics.sum('commandbus_deliveries_finished_total', {
        domain,
        command_type: flaky.type,
        outcome: 'retry',
      }),
    ).toBe(2);
    // Every received delivery here reached its handler: one observation each.
    for (const histogram of [
      'commandbus_handler_duration_seconds',
      'commandbus_queue_wait_seconds',
    ]) {
      expect(metrics.sum(`${histogram}_count`, { domain })).toBe(
        await auditCount(domain, 'RECEIVED'),
      );
    }
    expect(
      metrics.sum('commandbus_time_to_finish_seconds_count', { domain, outcome: 'completed' }),
    ).toBe(completed);
    expect(metrics.text).not.toContain(sent[0]?.commandId ?? 'no id');

    const produced = scrapeOf(await registry.metrics());
    expect(produced.sum('commandbus_commands_sent_total', { domain })).toBe(
      await auditCount(domain, 'SENT'),
    );
    expect(
      produced.sum('commandbus_commands_sent_total', { domain, command_type: ping.type }),
    ).toBe(5);

    // Nothing left in flight: the sampled gauges say so too.
    expect(metrics.sum('commandbus_queue_messages', { domain })).toBe(0);
    expect(metrics.sum('commandbus_commands_in_progress', { domain })).toBe(0);
    expect(metrics.sum('commandbus_troubleshooting_commands', { domain })).toBe(1);
    expect(metrics.sum('commandbus_handler_slots', { domain })).toBe(4);
  });

  it('gauges show the held handler slot, the buffered commands, the IN_PROGRESS rows and the queue by state', async () => {
    const domain = 'obs_gauges';
    const release = gate();
    const worker = await startWorker(
      db(),
      { domain, concurrency: 1, metrics: { port: 0, host: '127.0.0.1', sampleIntervalMs: 1 } },
      (w) => w.register(ping, () => release.promise),
    );
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    // One statement: the four become visible together, so the first read
    // takes them all (a worker whose only slot is busy reads no more).
    await producer.sendBatch(
      Array.from({ length: 4 }, (_, n) => ({ command: ping, input: { data: { n } } })),
    );
    const url = worker.metricsUrl ?? '';
    try {
      const held = await waitFor(
        async () => {
          const s = await scrape(url);
          return s.sum('commandbus_prefetch_buffer_commands', { domain }) === 3 ? s : undefined;
        },
        { description: 'three commands buffered behind the running one' },
      );
      expect(held.sum('commandbus_handler_slots_in_use', { domain })).toBe(1);
      expect(held.sum('commandbus_handler_slots', { domain })).toBe(1);
      expect(held.sum('commandbus_commands_in_progress', { domain })).toBe(4);
      expect(held.sum('commandbus_queue_messages', { domain, state: 'leased' })).toBe(4);
      expect(held.sum('commandbus_queue_messages', { domain, state: 'visible' })).toBe(0);
      expect(held.sum('commandbus_queue_oldest_message_age_seconds', { domain })).toBeGreaterThan(
        0,
      );
    } finally {
      release.open();
    }
    await waitFor(async () => (await statusCount(domain, 'COMPLETED')) === 4, {
      description: 'all four completed',
    });
    // A slot is freed once its finish is queued, before the finish commits:
    // wait for both, the slots and the queue.
    const idle = await waitFor(
      async () => {
        const s = await scrape(url);
        const slotsFree = s.sum('commandbus_handler_slots_in_use', { domain }) === 0;
        return slotsFree && s.sum('commandbus_queue_messages', { domain }) === 0 ? s : undefined;
      },
      { description: 'the slots free and the queue empty' },
    );
    expect(idle.sum('commandbus_prefetch_buffer_commands', { domain })).toBe(0);
    expect(idle.sum('commandbus_queue_oldest_message_age_seconds', { domain })).toBe(0);
  });

  it('the database gauges are sampled once per interval: scrapes within it reuse the sample', async () => {
    const domain = 'obs_sample';
    const worker = await startWorker(
      db(),
      { domain, metrics: { port: 0, host: '127.0.0.1', sampleIntervalMs: 600_000 } },
      (w) =>
        w.register(doomed, () => {
          throw new PermanentCommandError('DOOMED', 'never works');
        }),
    );
    const url = worker.metricsUrl ?? '';
    const before = await scrape(url);
    expect(before.sum('commandbus_troubleshooting_commands', { domain })).toBe(0);
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    const { commandId } = await producer.send(doomed, { data: {} });
    await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
    const after = await scrape(url);
    expect(after.sum('commandbus_deliveries_finished_total', { domain })).toBe(1);
    expect(after.sum('commandbus_troubleshooting_commands', { domain })).toBe(0);
  });

  it('a producer, an operator and a worker given one registry share its metrics; operator actions are counted like the audit', async () => {
    const domain = 'obs_shared';
    const registry = new Registry();
    const producer = new Producer({
      pool: db().pool,
      domain,
      logger: quietLogger,
      metrics: { registry },
    });
    const operator = new Operator({
      pool: db().pool,
      domain,
      logger: quietLogger,
      metrics: { registry },
    });
    const worker = await startWorker(db(), { domain, metrics: { registry } }, (w) =>
      w.register(doomed, () => {
        throw new PermanentCommandError('DOOMED', 'never works');
      }),
    );
    expect(worker.metricsRegistry).toBe(registry);
    expect(worker.metricsUrl).toBeUndefined();
    const sent = await producer.sendBatch(
      Array.from({ length: 3 }, () => ({ command: doomed, input: { data: {} } })),
    );
    const [first, second, third] = sent.map((r) => r.commandId);
    for (const id of [first, second, third]) {
      await waitForStatus(db(), domain, id ?? '', 'IN_TROUBLESHOOTING_QUEUE');
    }
    await operator.cancel(first ?? '', 'not needed');
    await operator.complete(second ?? '', null);
    await operator.retryMany({ commandIds: [third ?? '', first ?? ''] });

    const shared = scrapeOf(await registry.metrics());
    expect(shared.sum('commandbus_commands_sent_total', { domain })).toBe(3);
    const action = (name: string) =>
      shared.sum('commandbus_operator_actions_total', { domain, action: name });
    expect(action('cancel')).toBe(await auditCount(domain, 'OPERATOR_CANCEL'));
    expect(action('complete')).toBe(await auditCount(domain, 'OPERATOR_COMPLETE'));
    expect(action('retry')).toBe(await auditCount(domain, 'OPERATOR_RETRY'));
    expect([action('cancel'), action('complete'), action('retry')]).toEqual([1, 1, 1]);
    expect(shared.sum('commandbus_commands_received_total', { domain })).toBeGreaterThanOrEqual(3);
  });
});
