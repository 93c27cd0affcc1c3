// The operator's first step: the command row, locked until its transaction ends.
import type { CommonQueryMethods } from 'slonik';
import type { CommandRow } from '../rows.ts';
import { assertCommandRef, type CommandRefInput } from './command-ref.ts';
import { lockCommands } from './operator-queries.ts';

/**
 * SELECT … FOR UPDATE: of two operators acting on one command, the second
 * waits here and then sees the first one's result, so only one action takes
 * effect. Call it inside a transaction, before any batch procedure (the lock
 * order everywhere is command row, then batch row). `null`: no such command.
 * The single case of lockCommands, so there is one locking statement.
 */
export async function lockCommand(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<CommandRow | null> {
  assertCommandRef(input);
  const [row] = await lockCommands(db, { domain: input.domain, commandIds: [input.commandId] });
  return row ?? null;
}
