// Named prepared statements for the hot path's big statements (send, single
// send, receive, complete): PostgreSQL then parses and plans each once per
// connection instead of on every call, which for a single send was about
// half of its database time.
//
// They are only safe where a connection keeps its session between uses.
// slonik's default reset (DISCARD ALL on release) deallocates them while
// node-postgres still believes they exist, and PgBouncer in transaction mode
// (before 1.21) runs the next statement on another server session. So a pool
// uses them only once it has been declared safe (openPool does, unless told
// otherwise); everything else gets the same statement unnamed.
import {
  sql,
  type CommonQueryMethods,
  type DatabasePool,
  type QuerySqlToken,
  type ValueExpression,
} from 'slonik';
import type { z } from 'zod';

const poolsKeepingSessions = new WeakSet<object>();

/** Declares that `pool`'s connections keep their session state (no DISCARD ALL, no PgBouncer transaction mode). */
export function allowPreparedStatements(pool: DatabasePool): void {
  poolsKeepingSessions.add(pool);
}

type StatementTag<T extends z.ZodType> = (
  template: TemplateStringsArray,
  ...values: ValueExpression[]
) => QuerySqlToken<T>;

/**
 * The tag to build statement `name` with: `sql.prepared` when `db` is a pool
 * declared safe, `sql.type` otherwise. The statement's text must never vary.
 */
export function statement<T extends z.ZodType>(
  db: CommonQueryMethods,
  name: string,
  parser: T,
): StatementTag<T> {
  return poolsKeepingSessions.has(db) ? sql.prepared(name, parser) : sql.type(parser);
}
