// With no OpenTelemetry SDK registered the tracing costs no bytes: messages
// are sent without PGMQ headers and the worker runs them as before.
import { trace } from '@opentelemetry/api';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Producer } from '../src/index.ts';
import { quietLogger, startWorker, useBusDatabase, waitForStatus } from './bus-fixture.ts';
import { ping } from './test-commands.ts';

describe('tracing without an SDK', () => {
  const db = useBusDatabase();

  it('sends, single and batched, write no PGMQ headers, and the handler sees no recording span', async () => {
    const domain = 'obs_no_sdk';
    const queue = `${domain}__commands`;
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    await producer.send(ping, { data: { n: 0 } });
    await producer.sendBatch(
      Array.from({ length: 2 }, (_, n) => ({ command: ping, input: { data: { n: n + 1 } } })),
    );
    const headers = await db().pool.anyFirst(
      sql.type(z.object({ has_headers: z.boolean() }))`
        SELECT headers IS NOT NULL AS has_headers
          FROM ${sql.identifier(['pgmq', `q_${queue}`])} ORDER BY msg_id`,
    );
    expect(headers).toEqual([false, false, false]);

    const recording: boolean[] = [];
    await startWorker(db(), { domain }, (w) =>
      w.register(ping, () => {
        recording.push(trace.getActiveSpan()?.isRecording() ?? false);
      }),
    );
    const { commandId } = await producer.send(ping, { data: { n: 3 } });
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
    expect(recording.length).toBeGreaterThan(0);
    expect(recording.every((r) => !r)).toBe(true);
  });
});
