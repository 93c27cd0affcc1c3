// Traces across the queue with a tracer registered: the send's PRODUCER span
// carries its context in the PGMQ headers, the handler's CONSUMER span links to
// it (a root of its own trace), the handler runs inside it, and receive and
// settle have spans; a failing handler records error.type.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '@commandbus/testing';
import { PermanentCommandError, Producer } from '../src/index.ts';
import { quietLogger, startWorker, useBusDatabase, waitForStatus } from './bus-fixture.ts';
import { recordSpans, type RecordedSpan } from './observability-tracer.ts';
import { doomed, ping } from './test-commands.ts';

describe('worker and producer traces', () => {
  const db = useBusDatabase();
  let recording: ReturnType<typeof recordSpans>;
  beforeAll(() => {
    recording = recordSpans();
  });
  afterAll(() => recording.stop());

  const ended = (name: string, predicate: (span: RecordedSpan) => boolean = () => true) =>
    waitFor(
      () => recording.spans.find((span) => span.name === name && span.ended && predicate(span)),
      { description: `span ${name}` },
    );

  it('a send inside a parent span is a PRODUCER span; the handler runs in a CONSUMER span that links to it, with receive and settle spans', async () => {
    const domain = 'obs_trace';
    const queue = `${domain}__commands`;
    let handlerSpanId: string | undefined;
    // Started inside a span of the application's: the worker's spans must not
    // all become its children.
    await recording.tracer.startActiveSpan('app start', async (span) => {
      await startWorker(db(), { domain }, (w) =>
        w.register(ping, () => {
          handlerSpanId = trace.getActiveSpan()?.spanContext().spanId;
        }),
      );
      span.end();
    });
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    const { sent, parentSpanId } = await recording.tracer.startActiveSpan(
      'checkout',
      async (parent) => {
        const result = await producer.send(ping, { data: { n: 1 } });
        parent.end();
        return { sent: result, parentSpanId: parent.spanContext().spanId };
      },
    );
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');

    const send = await ended(`send ${queue}`);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.parentSpanId).toBe(parentSpanId);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'pgmq',
      'messaging.operation.name': 'send',
      'messaging.destination.name': queue,
      'messaging.message.id': String(sent.msgId),
    });

    const process = await ended(`process ${queue}`);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.parentSpanId).toBeUndefined();
    expect(process.links.map((link) => link.context.spanId)).toEqual([send.spanContext.spanId]);
    expect(process.links[0]?.context.traceId).toBe(send.spanContext.traceId);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'pgmq',
      'messaging.operation.name': 'process',
      'messaging.destination.name': queue,
      'messaging.message.id': String(sent.msgId),
    });
    expect(process.attributes['error.type']).toBeUndefined();
    expect(handlerSpanId).toBe(process.spanContext.spanId);

    const settle = await ended(
      `settle ${queue}`,
      (s) => s.parentSpanId === process.spanContext.spanId,
    );
    expect(settle.attributes['commandbus.outcome']).toBe('completed');
    const receive = await ended(
      `receive ${queue}`,
      (s) => Number(s.attributes['messaging.batch.message_count']) > 0,
    );
    expect(receive.parentSpanId).toBeUndefined();
    expect(receive.attributes).toMatchObject({
      'messaging.system': 'pgmq',
      'messaging.operation.name': 'receive',
      'messaging.destination.name': queue,
    });
  });

  it('a batch send carries its span context in the PGMQ headers of every message', async () => {
    const domain = 'obs_headers';
    const queue = `${domain}__commands`;
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    await producer.sendBatch(
      Array.from({ length: 3 }, (_, n) => ({ command: ping, input: { data: { n } } })),
    );
    const send = await ended(`send ${queue}`);
    expect(send.attributes['messaging.batch.message_count']).toBe(3);
    const headers = await db().pool.anyFirst(
      sql.type(z.object({ traceparent: z.string().nullable() }))`
        SELECT headers->>'traceparent' AS traceparent
          FROM ${sql.identifier(['pgmq', `q_${queue}`])} ORDER BY msg_id`,
    );
    const { traceId, spanId } = send.spanContext;
    expect(headers).toEqual(Array(3).fill(`00-${traceId}-${spanId}-01`));
  });

  it('a failing handler records error.type and an error status on its process span', async () => {
    const domain = 'obs_trace_fail';
    const queue = `${domain}__commands`;
    await startWorker(db(), { domain }, (w) =>
      w.register(doomed, () => {
        throw new PermanentCommandError('DOOMED', 'never works');
      }),
    );
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    const { commandId } = await producer.send(doomed, { data: {} });
    await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
    const process = await ended(`process ${queue}`);
    expect(process.attributes['error.type']).toBe('DOOMED');
    expect(process.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.exceptions).toBe(1);
    const settle = await ended(
      `settle ${queue}`,
      (s) => s.parentSpanId === process.spanContext.spanId,
    );
    expect(settle.attributes['commandbus.outcome']).toBe('troubleshooting');
  });
});
