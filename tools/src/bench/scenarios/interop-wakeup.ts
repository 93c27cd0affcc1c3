// commandbus.interop.wakeup: send → handler start at a steady 100/s when the
// sender is the Python command bus and the worker is commandbus. Each send
// writes what the Python library writes (command row, a message in its shape,
// SENT, NOTIFY pgmq_notify_<domain>__commands) in plain SQL, so the worker is
// woken across the two libraries on the channel they share, never by its poll
// (left at its 1 s default): compare with commandbus.latency.
import { randomUUID } from 'node:crypto';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { defineCommand } from '@commandbus/commandbus';
import {
  BUS_DOMAIN,
  openBusPool,
  prepareBusDatabase,
  startBenchWorker,
} from '../fixtures/commandbus.ts';
import { LatencyRecorder, measureLatency, type LatencyProbe } from '../latency.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const InteropLatencyCommand = defineCommand({
  type: 'BenchInteropLatency',
  data: z.object({ t: z.number(), measured: z.boolean() }),
});

/** The Worker's default concurrency: this scenario measures wake-up, not throughput. */
const CONCURRENCY = 10;
const QUEUE = `${BUS_DOMAIN}__commands`;

export async function prepare({ url }: ScenarioContext): Promise<void> {
  await prepareBusDatabase(url);
}

/** One send the way the Python command bus makes it, in one transaction. */
async function pythonShapedSend(pool: DatabasePool, probe: LatencyProbe): Promise<void> {
  const commandId = randomUUID();
  const message = {
    domain: BUS_DOMAIN,
    command_type: InteropLatencyCommand.type,
    command_id: commandId,
    correlation_id: null,
    data: { t: probe.t, measured: probe.measured },
  };
  await pool.transaction(async (tx) => {
    const msgId = await tx.oneFirst(sql.type(z.object({ send: z.coerce.number() }))`
      SELECT * FROM pgmq.send(${QUEUE}, ${sql.jsonb(message)}) AS send`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.command (domain, queue_name, msg_id, command_id, command_type,
                                      status, attempts, max_attempts)
      VALUES (${BUS_DOMAIN}, ${QUEUE}, ${msgId}, ${commandId}::uuid,
              ${InteropLatencyCommand.type}, 'PENDING', 0, 3)`);
    await tx.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      VALUES (${BUS_DOMAIN}, ${commandId}::uuid, 'SENT', ${sql.jsonb({ msg_id: msgId })})`);
    await tx.query(sql.unsafe`SELECT pg_notify(${`pgmq_notify_${QUEUE}`}, '')`);
  });
}

export async function run({ url }: ScenarioContext): Promise<ScenarioOutcome> {
  const senderPool = await openBusPool(url, 4);
  const workerPool = await openBusPool(url, CONCURRENCY + 2);
  const recorder = new LatencyRecorder();
  try {
    await senderPool.query(sql.unsafe`SELECT pgmq.create(${QUEUE})`);
    const worker = await startBenchWorker({
      pool: workerPool,
      url,
      concurrency: CONCURRENCY,
      command: InteropLatencyCommand,
      handle: ({ command }) => recorder.record(command.data),
    });
    try {
      return await measureLatency(recorder, (probe) => pythonShapedSend(senderPool, probe));
    } finally {
      await worker.stop();
    }
  } finally {
    await senderPool.end();
    await workerPool.end();
  }
}
