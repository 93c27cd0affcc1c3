// Reads archived payloads back (operator retry, troubleshooting listings).
import { sql, type CommonQueryMethods } from 'slonik';
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

/** The archived payloads of many commands of one domain (e.g. a troubleshooting page), in one query. */
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
  return rows.map((row) => archivedPayloadRowSchema.parse(row));
}
