// The columns a listing shows of a command: a projection, not the whole row
// (the detail page reads the whole row through the Operator).
import { sql } from 'slonik';
import { z } from 'zod';
import { COMMAND_STATUSES } from '@commandbus/commandbus/internals';

export const commandSummaryColumns = sql.fragment`
  c.domain, c.command_id, c.command_type, c.status, c.attempts, c.max_attempts,
  c.created_at, c.updated_at, c.batch_id, c.correlation_id,
  c.last_error_code, c.last_error_msg`;

export const commandSummaryRecord = z.object({
  domain: z.string(),
  command_id: z.string(),
  command_type: z.string(),
  status: z.enum(COMMAND_STATUSES),
  attempts: z.number(),
  max_attempts: z.number(),
  created_at: z.coerce.date(),
  updated_at: z.coerce.date(),
  batch_id: z.string().nullable(),
  correlation_id: z.string().nullable(),
  last_error_code: z.string().nullable(),
  last_error_msg: z.string().nullable(),
});

export interface CommandSummary {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly status: z.output<typeof commandSummaryRecord>['status'];
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly batchId: string | null;
  readonly correlationId: string | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
}

export function toCommandSummary(record: z.output<typeof commandSummaryRecord>): CommandSummary {
  return {
    domain: record.domain,
    commandId: record.command_id,
    commandType: record.command_type,
    status: record.status,
    attempts: record.attempts,
    maxAttempts: record.max_attempts,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    batchId: record.batch_id,
    correlationId: record.correlation_id,
    lastErrorCode: record.last_error_code,
    lastErrorMessage: record.last_error_msg,
  };
}
