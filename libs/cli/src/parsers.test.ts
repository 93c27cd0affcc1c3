import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerParser, parseNonNegativeInt, parsePositiveInt, patternParser } from './parsers.ts';

function refusal(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('integer parsers', () => {
  it('accept decimal whole numbers within the range', () => {
    expect(parsePositiveInt('1')).toBe(1);
    expect(parsePositiveInt('30000')).toBe(30_000);
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(integerParser({ min: 1, max: 1000 })('1000')).toBe(1000);
  });

  it.each(['', ' ', '1.5', '1e3', '0x10', 'ten', '9007199254740993'])(
    'refuse %j, which is not a whole number in decimal digits',
    (value) => {
      expect(refusal(parseNonNegativeInt, value)).toBe(
        `expected a whole number ≥ 0, got ${JSON.stringify(value)}`,
      );
    },
  );

  it('refuse numbers outside the range, naming the range', () => {
    expect(refusal(parsePositiveInt, '0')).toBe('expected a positive whole number, got "0"');
    expect(refusal(parseNonNegativeInt, '-1')).toBe('expected a whole number ≥ 0, got "-1"');
    expect(refusal(integerParser({ min: 1, max: 1000 }), '1001')).toBe(
      'expected a whole number from 1 to 1000, got "1001"',
    );
  });
});

describe('patternParser', () => {
  const parseDomain = patternParser(/^[a-z][a-z0-9_]{0,29}$/, 'a domain');

  it('returns a matching value unchanged and refuses others with the pattern', () => {
    expect(parseDomain('payments')).toBe('payments');
    expect(refusal(parseDomain, "pay'ments")).toBe(
      `"pay'ments" is not a domain: it must match ^[a-z][a-z0-9_]{0,29}$`,
    );
  });
});
