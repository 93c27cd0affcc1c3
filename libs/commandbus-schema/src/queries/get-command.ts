// Command rows by their key: one, or many of one domain in one query.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { commandRecordSchema, commandRowSchema, type CommandRow } from '../rows.ts';
import { assertCommandIds, assertCommandRef, type CommandRefInput } from './command-ref.ts';

export async function getCommand(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<CommandRow | null> {
  assertCommandRef(input);
  const row = await db.maybeOne(sql.type(commandRecordSchema)`
    SELECT * FROM commandbus.command
     WHERE domain = ${input.domain} AND command_id = ${input.commandId}::uuid
  `);
  return row === null ? null : commandRowSchema.parse(row);
}

/** The rows of these commands of one domain that exist, in no particular order. */
export async function getCommands(
  db: CommonQueryMethods,
  input: CommandIdsInput,
): Promise<CommandRow[]> {
  return selectCommands(db, input, sql.fragment``);
}

export interface CommandIdsInput {
  readonly domain: string;
  readonly commandIds: readonly string[];
}

/** The rows of these commands of one domain that exist, `tail` (an ORDER BY, a FOR UPDATE) after the WHERE. */
export async function selectCommands(
  db: CommonQueryMethods,
  input: CommandIdsInput,
  tail: FragmentSqlToken,
): Promise<CommandRow[]> {
  assertCommandIds(input.domain, input.commandIds);
  if (input.commandIds.length === 0) return [];
  const rows = await db.any(sql.type(commandRecordSchema)`
    SELECT * FROM commandbus.command
     WHERE domain = ${input.domain} AND command_id = ANY(${sql.array(input.commandIds, 'uuid')})
     ${tail}
  `);
  return rows.map((row) => commandRowSchema.parse(row));
}
