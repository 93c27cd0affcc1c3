// Reads archived payloads back (operator retry, troubleshooting listings).
import { sql, type CommonQueryMethods } from 'slonik';
import {
  archivedPayloadRecordSchema,
  archivedPayloadRowSchema,
  type ArchivedPayloadRow,
} from '../rows.ts';
import { assertArray, assertDomain, assertUuid } from '../validation.ts';
import { assertCommandRef, type CommandRefInput } from './command-ref.ts';

export async function getArchivedPayload(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<ArchivedPayloadRow | null> {
  assertCommandRef(input);
  const row = await db.maybeOne(sql.type(archivedPayloadRecordSchema)`
    SELECT * FROM commandbus.payload_archive
     WHERE domain = ${input.domain} AND command_id = ${input.commandId}::uuid
  `);
  return row === null ? null : archivedPayloadRowSchema.parse(row);
}

/** The archived payloads of many commands of one domain (e.g. a troubleshooting page), in one query. */
export async function getArchivedPayloads(
  db: CommonQueryMethods,
  input: { readonly domain: string; readonly commandIds: readonly string[] },
): Promise<ArchivedPayloadRow[]> {
  assertDomain(input.domain);
  assertArray('commandIds', input.commandIds);
  input.commandIds.forEach((id, i) => assertUuid(`commandIds[${i}]`, id));
  if (input.commandIds.length === 0) return [];
  const rows = await db.any(sql.type(archivedPayloadRecordSchema)`
    SELECT * FROM commandbus.payload_archive
     WHERE domain = ${input.domain} AND command_id = ANY(${sql.array(input.commandIds, 'uuid')})
  `);
  return rows.map((row) => archivedPayloadRowSchema.parse(row));
}
