// The query strings the API accepts, as zod schemas: the same names are the
// UI's URL parameters, so a shared link reproduces a page.
import { z } from 'zod';
import { InvalidInputError } from '@commandbus/commandbus';
import {
  BATCH_STATUSES,
  COMMAND_STATUSES,
  DOMAIN_PATTERN,
  UUID_PATTERN,
} from '@commandbus/commandbus/internals';
import { CONSOLE_DEFAULTS } from './defaults.ts';

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const domainSchema = z.string().regex(DOMAIN_PATTERN, 'not a domain name');
export const uuidSchema = z
  .string()
  .regex(UUID_PATTERN, 'not a UUID')
  .transform((id) => id.toLowerCase());
const instantSchema = z.iso.datetime({ offset: true, local: false }).transform((s) => new Date(s));
const limitSchema = z.coerce.number().int().min(1).max(CONSOLE_DEFAULTS.maxPageSize);
/** An opaque keyset cursor: base64url of the last row's sort key. */
const cursorSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor');

export const commandFilterSchema = z.object({
  domain: optional(domainSchema),
  status: optional(z.enum(COMMAND_STATUSES)),
  type: optional(z.string().min(1).max(255)),
  batch: optional(uuidSchema),
  correlation: optional(uuidSchema),
  id: optional(uuidSchema),
  from: optional(instantSchema),
  to: optional(instantSchema),
  after: optional(cursorSchema),
  limit: optional(limitSchema),
});
export type CommandFilter = z.output<typeof commandFilterSchema>;

export const troubleshootingFilterSchema = z.object({
  domain: domainSchema,
  type: optional(z.string().min(1).max(255)),
  batch: optional(uuidSchema),
  code: optional(z.string().min(1).max(255)),
});
export type TroubleshootingFilter = z.output<typeof troubleshootingFilterSchema>;

export const troubleshootingListSchema = troubleshootingFilterSchema.extend({
  after: optional(cursorSchema),
  limit: optional(limitSchema),
});
export type TroubleshootingListFilter = z.output<typeof troubleshootingListSchema>;

export const batchFilterSchema = z.object({
  domain: optional(domainSchema),
  status: optional(z.enum(BATCH_STATUSES)),
  after: optional(cursorSchema),
  limit: optional(limitSchema),
});
export type BatchFilter = z.output<typeof batchFilterSchema>;

/** Sort key of a keyset page: the row's timestamp (microseconds, UTC text) and id. */
export interface Cursor {
  readonly at: string;
  readonly id: string;
}

const cursorValue = z.object({
  at: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
  id: z.string().regex(UUID_PATTERN),
});

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** The cursor; InvalidInputError INVALID_CURSOR when it is not one this console made. */
export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new InvalidInputError('INVALID_CURSOR', `not a page cursor: ${value}`, {
      field: 'after',
      value,
      cause,
    });
  }
  const parsed = z.tuple([z.string(), z.string()]).safeParse(decoded);
  const cursor = parsed.success
    ? cursorValue.safeParse({ at: parsed.data[0], id: parsed.data[1] })
    : undefined;
  if (!cursor?.success) {
    throw new InvalidInputError('INVALID_CURSOR', `not a page cursor: ${value}`, {
      field: 'after',
      value,
    });
  }
  return cursor.data;
}
