// commander option parsers that turn bad input into a usage error (exit 2)
// before any connection is opened.
import { InvalidArgumentError } from 'commander';

export interface IntegerRange {
  /** Default 0. */
  readonly min?: number;
  /** Default: no upper bound (up to Number.MAX_SAFE_INTEGER). */
  readonly max?: number;
}

/**
 * A parser for whole numbers written in decimal digits within `range`: no
 * `1e3`, `0x10`, `1.0` or empty string, which `Number` would quietly accept.
 */
export function integerParser({ min = 0, max }: IntegerRange = {}): (value: string) => number {
  const expected =
    max !== undefined
      ? `a whole number from ${min} to ${max}`
      : min === 1
        ? 'a positive whole number'
        : `a whole number ≥ ${min}`;
  return (value) => {
    const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || (max !== undefined && number > max)) {
      throw new InvalidArgumentError(`expected ${expected}, got ${JSON.stringify(value)}`);
    }
    return number;
  };
}

export const parsePositiveInt = integerParser({ min: 1 });
export const parseNonNegativeInt = integerParser({ min: 0 });

/**
 * A parser for names that must match `pattern` (the caller's rule, e.g. the
 * command bus's DOMAIN_PATTERN), so this lib needs nothing but commander.
 */
export function patternParser(pattern: RegExp, noun: string): (value: string) => string {
  return (value) => {
    if (!pattern.test(value)) {
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} is not ${noun}: it must match ${pattern.source}`,
      );
    }
    return value;
  };
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
