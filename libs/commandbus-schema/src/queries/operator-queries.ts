// The operator's set-based queries over the troubleshooting queue: listing
// items with their archived payload, locking many commands at once, and the
// re-enqueue update plus its batch bookkeeping for (bulk) retries.
import { sql, type CommonQueryMethods, type FragmentSqlToken, type ListSqlToken } from 'slonik';
import { z } from 'zod';
import { withProcedureErrors } from '../procedures/call.ts';
import { camelizeKeys, commandRecordSchema, timestampColumn, type CommandRow } from '../rows.ts';
import {
  assertArray,
  assertDomain,
  assertMsgId,
  assertNonEmptyString,
  assertPage,
  assertUuid,
  distinctCommandGuard,
} from '../validation.ts';
import { selectCommands, type CommandIdsInput } from './get-command.ts';

export interface TroubleshootingFilterInput {
  readonly domain: string;
  readonly commandType?: string;
  readonly batchId?: string;
}

export interface ListTroubleshootingInput extends TroubleshootingFilterInput {
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  readonly offset: number;
}

/** A command in the troubleshooting queue with the payload the worker archived for it. */
export interface TroubleshootingItemRow {
  readonly command: CommandRow;
  /** The archived message (normally the command envelope); null when none was archived. */
  readonly payload: unknown;
  /** When the payload was archived; null when none was. */
  readonly archivedAt: Date | null;
}

function troubleshootingConditions(input: TroubleshootingFilterInput): ListSqlToken {
  assertDomain(input.domain);
  const conditions: FragmentSqlToken[] = [
    sql.fragment`c.domain = ${input.domain}`,
    sql.fragment`c.status = 'IN_TROUBLESHOOTING_QUEUE'`,
  ];
  if (input.commandType !== undefined) {
    assertNonEmptyString('commandType', input.commandType);
    conditions.push(sql.fragment`c.command_type = ${input.commandType}`);
  }
  if (input.batchId !== undefined) {
    assertUuid('batchId', input.batchId);
    conditions.push(sql.fragment`c.batch_id = ${input.batchId}::uuid`);
  }
  return sql.join(conditions, sql.fragment` AND `);
}

// payload_json is NOT NULL, but a JSON `null` payload would still read back as
// null: archive_present tells "archived null" from "nothing archived".
const troubleshootingRecordSchema = commandRecordSchema.extend({
  archive_present: z.boolean(),
  archive_payload_json: z.unknown(),
  archive_archived_at: timestampColumn.nullable(),
});

/**
 * One page of troubleshooting items, oldest arrival first (updated_at is when
 * the command entered the troubleshooting queue: nothing changes it there),
 * so paging is stable while new items arrive at the end.
 */
export async function listTroubleshootingItems(
  db: CommonQueryMethods,
  input: ListTroubleshootingInput,
): Promise<TroubleshootingItemRow[]> {
  const where = troubleshootingConditions(input);
  assertPage(input.limit, input.offset);
  const rows = await db.any(sql.type(troubleshootingRecordSchema)`
    SELECT c.*,
           p.command_id IS NOT NULL AS archive_present,
           p.payload_json AS archive_payload_json,
           p.archived_at AS archive_archived_at
      FROM commandbus.command AS c
      LEFT JOIN commandbus.payload_archive AS p
        ON p.domain = c.domain AND p.command_id = c.command_id
     WHERE ${where}
     ORDER BY c.updated_at, c.command_id
     LIMIT ${input.limit} OFFSET ${input.offset}
  `);
  return rows.map((row) => {
    const { archive_present, archive_payload_json, archive_archived_at, ...command } =
      troubleshootingRecordSchema.parse(row);
    return {
      command: camelizeKeys(command),
      payload: archive_present ? archive_payload_json : null,
      archivedAt: archive_present ? archive_archived_at : null,
    };
  });
}

const countRow = z.object({ n: z.number().int() });

/** How many items match the filter (for "page 2 of 7" and bulk-retry previews). */
export async function countTroubleshootingItems(
  db: CommonQueryMethods,
  input: TroubleshootingFilterInput,
): Promise<number> {
  const where = troubleshootingConditions(input);
  const row = await db.one(sql.type(countRow)`
    SELECT count(*)::int AS n FROM commandbus.command AS c WHERE ${where}
  `);
  return countRow.parse(row).n;
}

const idRow = z.object({ command_id: z.string() });

/**
 * The ids of every item matching the filter, as of now. A bulk retry works on
 * this snapshot: re-selecting "whatever is in the queue" after each chunk
 * would retry, forever, a command that fails straight back into it.
 */
export async function listTroubleshootingIds(
  db: CommonQueryMethods,
  input: TroubleshootingFilterInput,
): Promise<string[]> {
  const where = troubleshootingConditions(input);
  const rows = await db.any(sql.type(idRow)`
    SELECT c.command_id FROM commandbus.command AS c WHERE ${where} ORDER BY c.command_id
  `);
  return rows.map((row) => idRow.parse(row).command_id);
}

/**
 * SELECT … FOR UPDATE of many commands of one domain, in command_id order:
 * every bulk locker takes the rows in the same order, so two of them never
 * deadlock. Missing ids are simply absent from the result. Call it inside a
 * transaction, before any batch procedure (command rows first, then batches).
 */
export async function lockCommands(
  db: CommonQueryMethods,
  input: CommandIdsInput,
): Promise<CommandRow[]> {
  // The LockRows step runs above the sort, so the locks are taken in this order.
  return selectCommands(db, input, sql.fragment`ORDER BY command_id FOR UPDATE`);
}

export interface RequeueCommandInput {
  readonly domain: string;
  readonly commandId: string;
  /** The msg id of the message just sent for it. */
  readonly msgId: number;
}

/**
 * The troubleshooting item → PENDING, attempts 0, the new msg id, in one
 * statement for all rows. Only commands still IN_TROUBLESHOOTING_QUEUE change;
 * returns the ids of those that did. The batch counters are not touched: pair
 * it with tsqRetryEach in the same transaction.
 */
export async function requeueCommands(
  db: CommonQueryMethods,
  rows: readonly RequeueCommandInput[],
): Promise<string[]> {
  assertArray('rows', rows);
  const assertOnce = distinctCommandGuard();
  rows.forEach((row, i) => {
    assertDomain(row.domain, `rows[${i}].domain`);
    assertUuid(`rows[${i}].commandId`, row.commandId);
    assertMsgId(`rows[${i}].msgId`, row.msgId);
    assertOnce(`rows[${i}].commandId`, row.domain, row.commandId);
  });
  if (rows.length === 0) return [];

  const updated = await db.any(sql.type(idRow)`
    UPDATE commandbus.command AS c
       SET status = 'PENDING',
           attempts = 0,
           msg_id = t.msg_id,
           lease_expires_at = NULL,
           updated_at = NOW()
      FROM ${sql.unnest(
        rows.map((row) => [row.domain, row.commandId, row.msgId]),
        ['text', 'uuid', 'int8'],
      )} AS t(domain, command_id, msg_id)
     WHERE c.domain = t.domain
       AND c.command_id = t.command_id
       AND c.status = 'IN_TROUBLESHOOTING_QUEUE'
    RETURNING c.command_id
  `);
  return updated.map((row) => idRow.parse(row).command_id);
}

const callsRow = z.object({ calls: z.number().int() });

/**
 * sp_tsq_retry once per entry of `batchIds` (repeat a batch once per command
 * of it that was retried), in one statement. The calls run in batch_id order,
 * so concurrent bulk retries lock batch rows in one order and never deadlock.
 * Returns the number of calls made.
 */
export async function tsqRetryEach(
  db: CommonQueryMethods,
  input: { readonly domain: string; readonly batchIds: readonly string[] },
): Promise<number> {
  assertDomain(input.domain);
  assertArray('batchIds', input.batchIds);
  input.batchIds.forEach((id, i) => assertUuid(`batchIds[${i}]`, id));
  if (input.batchIds.length === 0) return 0;
  const row = await withProcedureErrors(() =>
    db.one(sql.type(callsRow)`
      SELECT count(commandbus.sp_tsq_retry(p_domain => ${input.domain}::text, p_batch_id => t.batch_id))::int AS calls
        FROM (SELECT u.batch_id
                FROM unnest(${sql.array(input.batchIds, 'uuid')}) AS u(batch_id)
               ORDER BY u.batch_id) AS t
    `),
  );
  return callsRow.parse(row).calls;
}
