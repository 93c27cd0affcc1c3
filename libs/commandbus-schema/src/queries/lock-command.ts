// The operator's first step: the command row, locked until its transaction ends.
import { sql, type CommonQueryMethods } from 'slonik';
import { commandRecordSchema, commandRowSchema, type CommandRow } from '../rows.ts';
import { assertCommandRef, type CommandRefInput } from './command-ref.ts';

/**
 * SELECT … FOR UPDATE: of two operators acting on one command, the second
 * waits here and then sees the first one's result, so only one action takes
 * effect. Call it inside a transaction, before any batch procedure (the lock
 * order everywhere is command row, then batch row). `null`: no such command.
 */
export async function lockCommand(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<CommandRow | null> {
  assertCommandRef(input);
  const row = await db.maybeOne(sql.type(commandRecordSchema)`
    SELECT * FROM commandbus.command
     WHERE domain = ${input.domain} AND command_id = ${input.commandId}::uuid
       FOR UPDATE
  `);
  return row === null ? null : commandRowSchema.parse(row);
}
