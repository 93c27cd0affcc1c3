// Checks of every input other than the queue name, run before any SQL so a
// bad value fails with InvalidArgumentError and nothing reaches the database.
// PGMQ's parameters are int4 seconds/counts and bigint ids; the ranges below
// are theirs.
import { z } from 'zod';
import { InvalidArgumentError } from './errors.ts';

const INT4_MAX = 2_147_483_647;

const nonNegativeInt4 = z.number().int().min(0).max(INT4_MAX);
const positiveInt4 = z.number().int().min(1).max(INT4_MAX);
const msgIdInput = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const plainObject = z.custom<Record<string, unknown>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)),
);

function check<T>(schema: z.ZodType<T>, field: string, value: unknown, rule: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidArgumentError(field, value, rule);
  return result.data;
}

/** A lease length: whole seconds, 0 allowed (visible again at once). */
export function requireSeconds(field: string, value: unknown): number {
  return check(
    nonNegativeInt4,
    field,
    value,
    `must be a whole number of seconds from 0 to ${INT4_MAX}`,
  );
}

export function requirePositiveInt(field: string, value: unknown): number {
  return check(positiveInt4, field, value, `must be a whole number from 1 to ${INT4_MAX}`);
}

export function requireMsgId(field: string, value: unknown): number {
  return check(msgIdInput, field, value, 'must be a positive safe integer');
}

export function requireMsgIds(field: string, values: unknown): number[] {
  if (!Array.isArray(values))
    throw new InvalidArgumentError(field, values, 'must be an array of message ids');
  return values.map((value: unknown, index) => requireMsgId(`${field}[${index}]`, value));
}

/** A delay is whole seconds from now, or the moment the message becomes visible. */
export type Delay = number | Date;

export function requireDelay(field: string, value: unknown): Delay {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new InvalidArgumentError(field, value, 'must be a valid Date');
    return value;
  }
  return requireSeconds(field, value);
}

/** A JSON containment filter (`message @> conditional`), as JSON text. */
export function requireConditional(field: string, value: unknown): string {
  check(plainObject, field, value, 'must be a plain object (matched with jsonb @>)');
  return toJsonText(field, value);
}

/**
 * Serialises a payload the way jsonb will store it. Rejects what JSON cannot
 * represent (cycles, BigInt, undefined, functions) and the NUL character,
 * which jsonb refuses, so the failure is ours and typed, not the server's.
 */
export function toJsonText(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, refuseNul);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError(field, value, `must be JSON-serialisable (${reason})`, {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(
      field,
      value,
      'must be JSON-serialisable (undefined, functions and symbols are not)',
    );
  }
  return text;
}

/** Headers are optional: undefined and null both mean "no headers" (SQL NULL). */
export function toOptionalJsonText(field: string, value: unknown): string | null {
  return value === undefined || value === null ? null : toJsonText(field, value);
}

function refuseNul(key: string, value: unknown): unknown {
  if (key.includes('\0') || (typeof value === 'string' && value.includes('\0'))) {
    throw new TypeError('jsonb cannot store the NUL character \\u0000');
  }
  return value;
}
