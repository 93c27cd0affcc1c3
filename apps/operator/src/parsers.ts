// commander parsers for the operator's arguments: bad input is a usage error
// (exit 2) before any connection is opened.
import { InvalidArgumentError } from 'commander';
import { MAX_PAGE_SIZE, UUID_PATTERN } from '@commandbus/commandbus';

export function parseUuid(value: string): string {
  if (!UUID_PATTERN.test(value)) {
    throw new InvalidArgumentError(`${JSON.stringify(value.slice(0, 80))} is not a UUID`);
  }
  return value.toLowerCase();
}

/** For variadic `<id...>` arguments: commander folds the values through this. */
export function collectUuids(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseUuid(value)];
}

export function parseLimit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      `expected a whole number from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

/** An ISO-8601 date or date-time (`2025-01-31`, `2025-01-31T12:00:00Z`). */
export function parseTime(value: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? new Date(value)
    : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) {
    throw new InvalidArgumentError(
      `expected an ISO-8601 time such as 2025-01-31 or 2025-01-31T12:00:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return time;
}
