// The floor scenarios are the evidence that some performance targets cannot be
// met, so they must do all the writes the contracts require, no fewer: every
// command row in its final state, its message sent (and, for drains,
// deleted), and its audit trail.
import { sql } from 'slonik';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '@commandbus/testing';
import { BUS_DOMAIN } from './fixtures/commandbus.ts';
import { findScenario } from './scenarios.ts';

const COUNT = 200;
const WARMUP = 150;
const trailRow = z.object({ trail: z.string(), commands: z.coerce.number() });

let database: TestDatabase | undefined;

afterEach(async () => {
  await database?.drop();
  database = undefined;
});

/** Runs the scenario on a fresh database; returns how many commands have each audit trail. */
async function runFloor(name: string): Promise<Record<string, number>> {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  database = await createTestDatabase();
  const context = { url: database.url, count: COUNT, warmup: WARMUP };
  await scenario.prepare(context);
  const outcome = await scenario.run(context);
  expect(outcome.count).toBeGreaterThan(0);
  const rows = await database.pool.any(sql.type(trailRow)`
    SELECT trail, count(*)::int4 AS commands
      FROM (SELECT c.command_id,
                   string_agg(a.event_type, ',' ORDER BY a.audit_id) AS trail
              FROM commandbus.command AS c
              JOIN commandbus.audit AS a USING (domain, command_id)
             WHERE c.domain = ${BUS_DOMAIN}
             GROUP BY c.command_id) AS t
     GROUP BY trail`);
  return Object.fromEntries(rows.map((r) => [r.trail, r.commands]));
}

const total = WARMUP + COUNT;

describe('floor scenarios', () => {
  it('floor.send writes a command row and a SENT audit row per message', async () => {
    // The scenario itself checks every command is PENDING with its message queued.
    expect(await runFloor('floor.send')).toEqual({ SENT: total });
  });

  it('floor.send_batch does the same, 100 per statement', async () => {
    expect(await runFloor('floor.send_batch')).toEqual({ SENT: total });
  });

  it('floor.drain.r32 receives, completes and deletes every command', async () => {
    // The scenario checks every command is COMPLETED and the queue empty.
    expect(await runFloor('floor.drain.r32')).toEqual({ 'SENT,RECEIVED,COMPLETED': total });
  });
});
