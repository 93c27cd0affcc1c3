// zod schemas of the rows this lib reads. Each parses the raw row (snake_case,
// as PostgreSQL names the columns) and yields it with camelCase keys (the JSONB
// columns details_json and payload_json become `details` and `payload`), so a
// schema drift fails at the query instead of surfacing as `undefined` later.
import { z } from 'zod';
import {
  auditEventTypeSchema,
  batchStatusSchema,
  batchTypeSchema,
  commandStatusSchema,
} from './model.ts';

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The object with every key in camelCase (`queue_name` → `queueName`). */
export type Camelized<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

const camelNames = new Map<string, string>();

export function camelizeKeys<T extends Record<string, unknown>>(record: T): Camelized<T> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    let camel = camelNames.get(key);
    if (camel === undefined) {
      camel = key.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());
      camelNames.set(key, camel);
    }
    out[camel] = record[key];
  }
  return out as Camelized<T>;
}

// Column parsers accept what any slonik pool may hand over: slonik's default
// type parsers give timestamptz as epoch milliseconds and int8 as bigint, a
// pool without them gives strings, and an interceptor that already parsed with
// these schemas gives Dates and numbers. Parsing twice is therefore harmless.
export const timestampColumn = z.coerce.date();

/** BIGINT ids (msg_id, audit_id) as JS numbers; PGMQ ids stay far below 2^53. */
export const bigintColumn = z
  .union([z.bigint(), z.number(), z.string()])
  .transform((value) => Number(value))
  .pipe(z.number().int());

const uuidColumn = z.string();
/**
 * `reply_queue` is NOT NULL in V001, with '' for "no reply". That sentinel
 * stays here: every row this lib hands out says null instead.
 */
const replyQueueColumn = z
  .string()
  .nullable()
  .transform((queue) => (queue === '' ? null : queue));
const jsonObjectColumn = z.record(z.string(), z.unknown());

export const commandRecordSchema = z.object({
  domain: z.string(),
  queue_name: z.string(),
  msg_id: bigintColumn.nullable(),
  command_id: uuidColumn,
  command_type: z.string(),
  status: commandStatusSchema,
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  lease_expires_at: timestampColumn.nullable(),
  last_error_type: z.string().nullable(),
  last_error_code: z.string().nullable(),
  last_error_msg: z.string().nullable(),
  created_at: timestampColumn,
  updated_at: timestampColumn,
  reply_queue: replyQueueColumn,
  correlation_id: uuidColumn.nullable(),
  batch_id: uuidColumn.nullable(),
});
export const commandRowSchema = commandRecordSchema.transform(camelizeKeys);
/** A `commandbus.command` row. */
export type CommandRow = z.output<typeof commandRowSchema>;

export const batchRecordSchema = z.object({
  domain: z.string(),
  batch_id: uuidColumn,
  name: z.string().nullable(),
  custom_data: jsonObjectColumn.nullable(),
  status: batchStatusSchema,
  total_count: z.number().int(),
  completed_count: z.number().int(),
  canceled_count: z.number().int(),
  in_troubleshooting_count: z.number().int(),
  created_at: timestampColumn,
  started_at: timestampColumn.nullable(),
  completed_at: timestampColumn.nullable(),
  failed_count: z.number().int(),
  batch_type: batchTypeSchema,
});
export const batchRowSchema = batchRecordSchema.transform(camelizeKeys);
/** A `commandbus.batch` row. */
export type BatchRow = z.output<typeof batchRowSchema>;

export const auditRecordSchema = z.object({
  audit_id: bigintColumn,
  domain: z.string(),
  command_id: uuidColumn,
  event_type: auditEventTypeSchema,
  ts: timestampColumn,
  details_json: jsonObjectColumn.nullable(),
});
export const auditRowSchema = auditRecordSchema.transform(({ details_json, ...rest }) => ({
  ...camelizeKeys(rest),
  details: details_json,
}));
/** A `commandbus.audit` row (batch events carry the batch id in `commandId`). */
export type AuditRow = z.output<typeof auditRowSchema>;

export const archivedPayloadRecordSchema = z.object({
  domain: z.string(),
  command_id: uuidColumn,
  // Any JSON: a message that is not a valid envelope is archived as it came.
  payload_json: z.unknown(),
  archived_at: timestampColumn,
});
export const archivedPayloadRowSchema = archivedPayloadRecordSchema.transform(
  ({ payload_json, ...rest }) => ({
    ...camelizeKeys(rest),
    payload: payload_json,
  }),
);
/** A `commandbus.payload_archive` row. */
export type ArchivedPayloadRow = z.output<typeof archivedPayloadRowSchema>;

/** The row `sp_receive_command` returns (its RETURNS TABLE columns, in order). */
export const receivedCommandRecordSchema = z.object({
  domain: z.string(),
  command_id: uuidColumn,
  command_type: z.string(),
  status: commandStatusSchema,
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  msg_id: bigintColumn.nullable(),
  correlation_id: uuidColumn.nullable(),
  reply_queue: replyQueueColumn,
  last_error_type: z.string().nullable(),
  last_error_code: z.string().nullable(),
  last_error_msg: z.string().nullable(),
  created_at: timestampColumn,
  updated_at: timestampColumn,
  batch_id: uuidColumn.nullable(),
});
export const receivedCommandRowSchema = receivedCommandRecordSchema.transform(camelizeKeys);
export type ReceivedCommandRow = z.output<typeof receivedCommandRowSchema>;
