// zod schemas for the column values PGMQ returns, normalised whatever type
// parsers the caller's pool uses: slonik 49's defaults give int8 as bigint and
// timestamptz as epoch milliseconds (a number), plain pg gives strings and
// Dates. Each schema accepts its own output, so parsing twice is harmless.
import { z } from 'zod';

const integerLike = z.union([z.bigint(), z.number(), z.string()]);

/** An int8 column as a JS number, refusing values a number cannot hold exactly. */
export const safeIntegerSchema = integerLike.transform((value, context) => {
  const number = typeof value === 'string' && !/^-?\d+$/.test(value) ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(number)) {
    context.addIssue({
      code: 'custom',
      message: `${String(value)} is not an integer within Number.MAX_SAFE_INTEGER`,
    });
    return z.NEVER;
  }
  return number;
});

/** A timestamptz column as a Date. */
export const timestampSchema = z
  .union([z.date(), z.number(), z.string()])
  .transform((value, context) => {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) {
      context.addIssue({ code: 'custom', message: `${String(value)} is not a finite timestamp` });
      return z.NEVER;
    }
    return date;
  });
