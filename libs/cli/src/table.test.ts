import { describe, expect, it } from 'vitest';
import { formatTable } from './table.ts';

describe('formatTable', () => {
  it('aligns every column to its widest cell, header included, with a rule under the header', () => {
    const table = formatTable(
      ['Version', 'State'],
      [
        ['1', 'applied'],
        ['10.2.3', null],
      ],
    );
    expect(table.split('\n')).toEqual([
      'Version  State',
      '-------  -------',
      '1        applied',
      '10.2.3',
    ]);
  });

  it('prints dates as ISO-8601 and objects as JSON', () => {
    const table = formatTable(
      ['time', 'details'],
      [[new Date('2025-01-31T12:00:00Z'), { reason: 'x' }]],
    );
    expect(table.split('\n')[2]).toBe('2025-01-31T12:00:00.000Z  {"reason":"x"}');
  });
});
