// The WHERE clause of the filtered listings: every condition must hold, and
// no condition at all lists everything.
import { sql, type FragmentSqlToken } from 'slonik';

export function whereAll(conditions: readonly FragmentSqlToken[]): FragmentSqlToken {
  return conditions.length > 0
    ? sql.fragment`WHERE ${sql.join(conditions, sql.fragment` AND `)}`
    : sql.fragment``;
}
