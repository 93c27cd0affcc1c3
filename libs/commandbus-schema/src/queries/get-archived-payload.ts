// Reads archived payloads back (operator retry, troubleshooting listings):
// commandbus.payload_archive first, else PGMQ's archive of the domain's
// command queue, where the Python command bus leaves the payload of a failed
// command (it never writes payload_archive).
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  archivedPayloadRecordSchema,
  archivedPayloadRowSchema,
  type ArchivedPayloadRow,
} from '../rows.ts';
import { assertCommandIds, assertCommandRef, type CommandRefInput } from './command-ref.ts';

/** One command's archived payload; the single case of getArchivedPayloads. */
export async function getArchivedPayload(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<ArchivedPayloadRow | null> {
  assertCommandRef(input);
  const [row] = await getArchivedPayloads(db, {
    domain: input.domain,
    commandIds: [input.commandId],
  });
  return row ?? null;
}

/**
 * The archived payloads of many commands of one domain (e.g. a troubleshooting
 * page): one query, and a second only for commands payload_archive has no row
 * for, which reads the newest archived PGMQ message of each.
 */
export async function getArchivedPayloads(
  db: CommonQueryMethods,
  input: { readonly domain: string; readonly commandIds: readonly string[] },
): Promise<ArchivedPayloadRow[]> {
  assertCommandIds(input.domain, input.commandIds);
  if (input.commandIds.length === 0) return [];
  const rows = await db.any(sql.type(archivedPayloadRecordSchema)`
    SELECT * FROM commandbus.payload_archive
     WHERE domain = ${input.domain} AND command_id = ANY(${sql.array(input.commandIds, 'uuid')})
  `);
  const found = new Set(rows.map((row) => row.command_id));
  const missing = input.commandIds.filter((id) => !found.has(id.toLowerCase()));
  const fromQueue =
    missing.length === 0 ? [] : await queueArchivedPayloads(db, input.domain, missing);
  return [...rows, ...fromQueue].map((row) => archivedPayloadRowSchema.parse(row));
}

/**
 * The newest message per command in `pgmq.a_<domain>__commands`, found by
 * `message->>'command_id'`. PGMQ has no index there, so this scans the
 * archive: it runs only for the commands payload_archive lacks.
 */
async function queueArchivedPayloads(
  db: CommonQueryMethods,
  domain: string,
  commandIds: readonly string[],
) {
  const table = `a_${domain}__commands`;
  const exists = await db.oneFirst(sql.type(z.object({ exists: z.boolean() }))`
    SELECT to_regclass(${`pgmq.${table}`}) IS NOT NULL AS exists
  `);
  if (!exists) return [];
  return db.any(sql.type(archivedPayloadRecordSchema)`
    SELECT DISTINCT ON (a.message->>'command_id')
           ${domain}::text AS domain, (a.message->>'command_id')::uuid AS command_id,
           a.message AS payload_json, a.archived_at
      FROM ${sql.identifier(['pgmq', table])} AS a
     WHERE a.message->>'command_id' = ANY(${sql.array(
       commandIds.map((id) => id.toLowerCase()),
       'text',
     )})
     ORDER BY a.message->>'command_id', a.msg_id DESC
  `);
}
