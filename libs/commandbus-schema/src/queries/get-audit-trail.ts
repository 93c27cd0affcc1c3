// A command's (or a batch's) audit events, oldest first.
import { sql, type CommonQueryMethods } from 'slonik';
import { auditRecordSchema, auditRowSchema, type AuditRow } from '../rows.ts';
import { assertCommandRef, type CommandRefInput } from './command-ref.ts';

/** For a batch, pass its batch id as `commandId`. Events of one transaction share `ts`; audit_id orders them. */
export async function getAuditTrail(
  db: CommonQueryMethods,
  input: CommandRefInput,
): Promise<AuditRow[]> {
  assertCommandRef(input);
  const rows = await db.any(sql.type(auditRecordSchema)`
    SELECT * FROM commandbus.audit
     WHERE command_id = ${input.commandId}::uuid AND domain = ${input.domain}
     ORDER BY ts, audit_id
  `);
  return rows.map((row) => auditRowSchema.parse(row));
}
