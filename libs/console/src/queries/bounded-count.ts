// A count that stops at a cap: "10,000+" costs the same on 10 million rows.
import { sql, type FragmentSqlToken } from 'slonik';

export interface BoundedCount {
  /** The exact count when `more` is false; otherwise the cap. */
  readonly count: number;
  /** True when there are more rows than the cap. */
  readonly more: boolean;
}

/** A scalar subquery counting at most cap + 1 rows of `from … where`. */
export function boundedCountSql(fromWhere: FragmentSqlToken, cap: number): FragmentSqlToken {
  return sql.fragment`(SELECT count(*)::int FROM (SELECT 1 FROM ${fromWhere} LIMIT ${cap + 1}) AS bounded)`;
}

export function boundedCount(n: number, cap: number): BoundedCount {
  return n > cap ? { count: cap, more: true } : { count: n, more: false };
}
