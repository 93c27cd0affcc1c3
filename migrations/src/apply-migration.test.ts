import { describe, expect, it } from 'vitest';
import { lineAndColumn } from './apply-migration.ts';

describe("mapping PostgreSQL's error position to line and column", () => {
  it('counts lines across LF, CRLF and CR and columns in characters', () => {
    const sql = 'SELECT 1;\nSELECT 2;\r\nSELECT é🚀 x;\rEND';
    expect(lineAndColumn(sql, 1)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn(sql, 11)).toEqual({ line: 2, column: 1 });
    expect(lineAndColumn(sql, 22)).toEqual({ line: 3, column: 1 });
    // "x" is the 11th character of line 3: the astral 🚀 counts once, as in PostgreSQL.
    expect(lineAndColumn(sql, 32)).toEqual({ line: 3, column: 11 });
    expect(lineAndColumn(sql, 35)).toEqual({ line: 4, column: 1 });
  });
});
