// Keyset paging as the list queries do it: each row carries its sort key as
// text, and a page is read with LIMIT n + 1 so the extra row says whether a
// next page exists.
import { sql, type FragmentSqlToken } from 'slonik';
import { encodeCursor } from '../filters.ts';

/**
 * `column` (a timestamptz) as `sort_at`: UTC text to the microsecond. A
 * JavaScript Date would round it to the millisecond, and a cursor built from
 * that would skip or repeat rows that differ below it.
 */
export function sortAtSql(column: FragmentSqlToken): FragmentSqlToken {
  return sql.fragment`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_at`;
}

/**
 * A page from `rows` read with LIMIT `limit` + 1: the first `limit` rows and,
 * when there were more, the cursor after the last of them.
 */
export function cutPage<Row extends { readonly sort_at: string }>(
  rows: readonly Row[],
  limit: number,
  idOf: (row: Row) => string,
): { items: Row[]; next: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > limit && last ? encodeCursor({ at: last.sort_at, id: idOf(last) }) : null,
  };
}
