// The operator's command search: optional filters, newest first, paged.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import type { CommandStatus } from '../model.ts';
import { commandRecordSchema, commandRowSchema, type CommandRow } from '../rows.ts';
import {
  assertCommandStatus,
  assertDomain,
  assertNonEmptyString,
  assertOptionalDate,
  assertPage,
  assertUuid,
} from '../validation.ts';
import { whereAll } from './where-all.ts';

export interface ListCommandsInput {
  readonly domain?: string;
  readonly status?: CommandStatus;
  readonly commandType?: string;
  readonly batchId?: string;
  /** Inclusive lower bound on created_at. */
  readonly createdAfter?: Date;
  /** Exclusive upper bound on created_at. */
  readonly createdBefore?: Date;
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  readonly offset: number;
}

export async function listCommands(
  db: CommonQueryMethods,
  input: ListCommandsInput,
): Promise<CommandRow[]> {
  const conditions: FragmentSqlToken[] = [];
  if (input.domain !== undefined) {
    assertDomain(input.domain);
    conditions.push(sql.fragment`domain = ${input.domain}`);
  }
  if (input.status !== undefined) {
    assertCommandStatus('status', input.status);
    conditions.push(sql.fragment`status = ${input.status}`);
  }
  if (input.commandType !== undefined) {
    assertNonEmptyString('commandType', input.commandType);
    conditions.push(sql.fragment`command_type = ${input.commandType}`);
  }
  if (input.batchId !== undefined) {
    assertUuid('batchId', input.batchId);
    conditions.push(sql.fragment`batch_id = ${input.batchId}::uuid`);
  }
  if (input.createdAfter !== undefined) {
    assertOptionalDate('createdAfter', input.createdAfter);
    conditions.push(sql.fragment`created_at >= ${input.createdAfter.toISOString()}::timestamptz`);
  }
  if (input.createdBefore !== undefined) {
    assertOptionalDate('createdBefore', input.createdBefore);
    conditions.push(sql.fragment`created_at < ${input.createdBefore.toISOString()}::timestamptz`);
  }
  assertPage(input.limit, input.offset);

  // command_id breaks ties between rows of one transaction, so pages never overlap.
  const rows = await db.any(sql.type(commandRecordSchema)`
    SELECT * FROM commandbus.command
    ${whereAll(conditions)}
    ORDER BY created_at DESC, command_id
    LIMIT ${input.limit} OFFSET ${input.offset}
  `);
  return rows.map((row) => commandRowSchema.parse(row));
}
