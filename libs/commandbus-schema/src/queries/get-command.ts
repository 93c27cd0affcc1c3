// One command's row, by its key.
import { sql, type CommonQueryMethods } from 'slonik';
import { commandRecordSchema, commandRowSchema, type CommandRow } from '../rows.ts';
import { assertCommandRef, type CommandRefInput } from './command-ref.ts';

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
