// commander option parsers that turn bad input into a usage error (exit 2).
import { InvalidArgumentError } from 'commander';
import { DOMAIN_PATTERN } from '@commandbus/commandbus';

export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError(
      `expected a positive whole number, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

/** A domain name, checked before any connection is opened. */
export function parseDomain(value: string): string {
  if (!DOMAIN_PATTERN.test(value)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a domain: it must match ${DOMAIN_PATTERN.source}`,
    );
  }
  return value;
}

export function parseNonNegativeInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new InvalidArgumentError(`expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return number;
}

export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(
      `expected a JSON object, got ${JSON.stringify(value.slice(0, 80))}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}
