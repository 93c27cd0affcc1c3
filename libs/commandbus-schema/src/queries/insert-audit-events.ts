// Appends audit rows written outside the procedures (SENT, OPERATOR_*), in one statement.
import { sql, type CommonQueryMethods } from 'slonik';
import type { AuditEventType } from '../model.ts';
import {
  assertArray,
  assertAuditEventType,
  assertDomain,
  assertOptionalJsonObject,
  assertUuid,
} from '../validation.ts';

export interface AuditEventInput {
  readonly domain: string;
  /** The command's id, or the batch's id for batch events. */
  readonly commandId: string;
  readonly eventType: AuditEventType;
  readonly details?: Readonly<Record<string, unknown>> | null;
}

/** Returns the number of rows written. */
export async function insertAuditEvents(
  db: CommonQueryMethods,
  events: readonly AuditEventInput[],
): Promise<number> {
  assertArray('events', events);
  events.forEach((event, i) => {
    assertDomain(event.domain, `events[${i}].domain`);
    assertUuid(`events[${i}].commandId`, event.commandId);
    assertAuditEventType(`events[${i}].eventType`, event.eventType);
    assertOptionalJsonObject(`events[${i}].details`, event.details);
  });
  if (events.length === 0) return 0;

  const result = await db.query(sql.unsafe`
    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    SELECT t.domain, t.command_id, t.event_type, t.details_json
      FROM ${sql.unnest(
        events.map((event) => [
          event.domain,
          event.commandId,
          event.eventType,
          event.details == null ? null : JSON.stringify(event.details),
        ]),
        ['text', 'uuid', 'text', 'jsonb'],
      )} WITH ORDINALITY AS t(domain, command_id, event_type, details_json, position)
     ORDER BY t.position
  `);
  return result.rowCount;
}
