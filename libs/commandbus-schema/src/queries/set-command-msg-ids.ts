// Records the PGMQ msg ids of freshly enqueued (or re-enqueued) commands.
import { sql, type CommonQueryMethods } from 'slonik';
import { assertArray, assertDomain, assertMsgId, assertUuid } from '../validation.ts';

export interface CommandMsgIdInput {
  readonly domain: string;
  readonly commandId: string;
  readonly msgId: number;
}

/** One UPDATE … FROM unnest(…) for all rows; returns how many commands it updated. */
export async function setCommandMsgIds(
  db: CommonQueryMethods,
  rows: readonly CommandMsgIdInput[],
): Promise<number> {
  assertArray('rows', rows);
  rows.forEach((row, i) => {
    assertDomain(row.domain, `rows[${i}].domain`);
    assertUuid(`rows[${i}].commandId`, row.commandId);
    assertMsgId(`rows[${i}].msgId`, row.msgId);
  });
  if (rows.length === 0) return 0;

  const result = await db.query(sql.unsafe`
    UPDATE commandbus.command AS c
       SET msg_id = t.msg_id,
           updated_at = NOW()
      FROM ${sql.unnest(
        rows.map((row) => [row.domain, row.commandId, row.msgId]),
        ['text', 'uuid', 'int8'],
      )} AS t(domain, command_id, msg_id)
     WHERE c.domain = t.domain AND c.command_id = t.command_id
  `);
  return result.rowCount;
}
