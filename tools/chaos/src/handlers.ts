// Handler module for the worker processes of the chaos suite
// (`apps/worker --handlers tools/chaos/src/handlers.ts`). Each run appends to
// chaos.execution through its own pool, then writes its effect through the
// finishing transaction, so the effect commits exactly when the command does.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { PermanentCommandError, type Worker } from '@commandbus/commandbus';
import { CHAOS_FAILURE_CODE, chaosEffect } from './chaos-command.ts';

const insertedRow = z.object({ command_id: z.string() });

export function register(worker: Worker): void {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('the chaos handlers need DATABASE_URL for their execution log');
  // Separate from the worker's pool on purpose: these writes must survive the
  // rollback of the handler's transaction. pg.Pool, because register() is
  // synchronous. An idle client lost in a database restart emits 'error' on
  // the pool; the next query simply connects again.
  const log = new pg.Pool({
    connectionString: url,
    max: 4,
    application_name: 'chaos-execution-log',
  });
  log.on('error', () => undefined);

  worker.register(chaosEffect, async ({ command, attempt, db, signal }) => {
    const { domain, commandId } = command;
    const started = await log.query<{ execution_id: string }>(
      `INSERT INTO chaos.execution (domain, command_id, worker_pid, attempt) VALUES ($1, $2, $3, $4)
       RETURNING execution_id`,
      [domain, commandId, process.pid, attempt],
    );
    const executionId = started.rows[0]?.execution_id;
    const finish = (outcome: string) =>
      log.query(
        'UPDATE chaos.execution SET ended_at = clock_timestamp(), outcome = $2 WHERE execution_id = $1',
        [executionId, outcome],
      );

    if (command.data.sleepMs > 0) await sleep(command.data.sleepMs, undefined, { signal });
    const poisoned = await log.query(
      'UPDATE chaos.poison SET remaining = remaining - 1 WHERE command_id = $1 AND remaining > 0 RETURNING remaining',
      [commandId],
    );
    if (command.data.failPermanently || (poisoned.rowCount ?? 0) > 0) {
      await finish('failed');
      throw new PermanentCommandError(
        CHAOS_FAILURE_CODE,
        `chaos: command ${commandId} made to fail`,
      );
    }
    const inserted = await db.maybeOne(sql.type(insertedRow)`
      INSERT INTO chaos.effect (command_id, domain, worker_pid, attempt)
      VALUES (${commandId}, ${domain}, ${process.pid}, ${attempt})
      ON CONFLICT (command_id) DO NOTHING
      RETURNING command_id::text`);
    // No row: the effect is already committed, yet the command ran again.
    await finish(inserted ? 'effect' : 'duplicate');
  });
}
