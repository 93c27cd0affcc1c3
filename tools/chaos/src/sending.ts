// Sending through outages, as a well-behaved client does: a send that failed
// for any reason but bad input is repeated with the same command_ids until it
// goes through. Idempotency makes that safe: a first attempt that committed
// before its acknowledgement was lost is reported as a duplicate, never sent twice.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { InvalidInputError, Producer, type BatchItem } from '@commandbus/commandbus';
import { chaosEffect } from './chaos-command.ts';
import { silentLogger } from './scenario.ts';
import type { PlannedCommand, PlannedSend } from './workload.ts';

export interface SendStats {
  /** Attempts that failed (database away) and were repeated. */
  retries: number;
}

function items(commands: readonly PlannedCommand[]): BatchItem[] {
  return commands.map((command) => ({
    command: chaosEffect,
    input: {
      commandId: command.commandId,
      data: { sleepMs: command.sleepMs, failPermanently: command.failPermanently },
    },
  }));
}

const existsRow = z.object({ present: z.boolean() });

async function batchExists(pool: DatabasePool, domain: string, batchId: string): Promise<boolean> {
  return pool.oneFirst(
    sql.type(
      existsRow,
    )`SELECT EXISTS (SELECT 1 FROM commandbus.batch WHERE domain = ${domain} AND batch_id = ${batchId}) AS present`,
  );
}

export async function sendWithRetry(
  producer: Producer,
  pool: DatabasePool,
  send: PlannedSend,
  stats: SendStats,
  deadline: number,
): Promise<void> {
  let delayMs = 50;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (send.kind === 'commands') {
        await producer.sendBatch(items(send.commands));
      } else {
        // A repeated createBatch after a commit whose answer was lost would be
        // a DuplicateCommandError: look first.
        if (attempt > 1 && (await batchExists(pool, producer.domain, send.batchId))) return;
        await producer.createBatch({
          batchId: send.batchId,
          name: 'chaos',
          commands: items(send.commands),
        });
      }
      return;
    } catch (error) {
      if (error instanceof InvalidInputError || Date.now() > deadline) throw error;
      stats.retries += 1;
      await sleep(delayMs);
      delayMs = Math.min(1_000, delayMs * 2);
    }
  }
}

/**
 * Runs the sends spread evenly over `windowMs` with `lanes` concurrent
 * senders, so kills and restarts hit a system under steady load.
 */
export async function sendPaced(
  sends: readonly PlannedSend[],
  windowMs: number,
  lanes: number,
  sendOne: (send: PlannedSend) => Promise<void>,
): Promise<void> {
  const start = Date.now();
  const gapMs = sends.length > 0 ? windowMs / sends.length : 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        const index = next;
        next += 1;
        const send = sends[index];
        if (!send) return;
        const due = start + index * gapMs;
        if (due > Date.now()) await sleep(due - Date.now());
        await sendOne(send);
      }
    }),
  );
}

/** How long after its window a paced run keeps repeating sends that fail. */
const RETRY_GRACE_MS = 120_000;

/**
 * Every planned send, paced over `windowMs` by `lanes` senders and repeated
 * through outages (sendWithRetry) until RETRY_GRACE_MS after the window.
 */
export async function sendAllPaced(
  pool: DatabasePool,
  domain: string,
  sends: readonly PlannedSend[],
  windowMs: number,
  lanes: number,
): Promise<SendStats> {
  const producer = new Producer({ pool, domain, logger: silentLogger });
  const stats: SendStats = { retries: 0 };
  const deadline = Date.now() + windowMs + RETRY_GRACE_MS;
  await sendPaced(sends, windowMs, lanes, (send) =>
    sendWithRetry(producer, pool, send, stats, deadline),
  );
  return stats;
}
