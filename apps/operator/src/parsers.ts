// commander parsers for the operator's arguments: bad input is a usage error
// (exit 2) before any connection is opened.
import { InvalidArgumentError } from 'commander';
import { integerParser, patternParser } from '@commandbus/cli';
import { DOMAIN_PATTERN, MAX_PAGE_SIZE, UUID_PATTERN } from '@commandbus/commandbus/internals';

/** A domain name, checked before any connection is opened. */
export const parseDomain = patternParser(DOMAIN_PATTERN, 'a domain');

/** A page size, at most what the list queries return. */
export const parseLimit = integerParser({ min: 1, max: MAX_PAGE_SIZE });

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
