// Archives payloads of commands leaving for the troubleshooting queue, so an
// operator retry never depends on PGMQ's archive retention.
import { sql, type CommonQueryMethods } from 'slonik';
import {
  assertArray,
  assertDomain,
  assertJsonValue,
  assertUuid,
  distinctCommandGuard,
} from '../validation.ts';

export interface ArchivePayloadInput {
  readonly domain: string;
  readonly commandId: string;
  /** Any JSON value: the envelope, or a message that failed to parse as one. */
  readonly payload: unknown;
}

/**
 * Stores the payloads in one statement. A command archived again (it failed
 * again after an operator retry) keeps only its latest payload.
 */
export async function archivePayloads(
  db: CommonQueryMethods,
  rows: readonly ArchivePayloadInput[],
): Promise<number> {
  assertArray('rows', rows);
  const assertOnce = distinctCommandGuard();
  rows.forEach((row, i) => {
    assertDomain(row.domain, `rows[${i}].domain`);
    assertUuid(`rows[${i}].commandId`, row.commandId);
    assertJsonValue(`rows[${i}].payload`, row.payload);
    assertOnce(`rows[${i}].commandId`, row.domain, row.commandId);
  });
  if (rows.length === 0) return 0;

  const result = await db.query(sql.unsafe`
    INSERT INTO commandbus.payload_archive (domain, command_id, payload_json)
    SELECT t.domain, t.command_id, t.payload_json
      FROM ${sql.unnest(
        rows.map((row) => [row.domain, row.commandId, JSON.stringify(row.payload) ?? null]),
        ['text', 'uuid', 'jsonb'],
      )} AS t(domain, command_id, payload_json)
    ON CONFLICT (domain, command_id)
    DO UPDATE SET payload_json = EXCLUDED.payload_json, archived_at = NOW()
  `);
  return result.rowCount;
}
