// Named prepared statements for the hot path's big statements (send, single
// send, receive, complete): PostgreSQL then parses and plans each once per
// connection instead of on every call, which for a single send was about
// half of its database time.
//
// They are only safe where a connection keeps its session between uses.
// slonik's default reset (DISCARD ALL on release) deallocates them while
// node-postgres still believes they exist, and PgBouncer in transaction mode
// (before 1.21) runs the next statement on another server session. So every
// statement is built unnamed, marked by a leading comment with its name, and
// only a pool that carries `namePreparedStatements` (openPool's do, unless
// told otherwise) turns the mark into a name. Being an interceptor of the
// pool, it names the statement on every connection and transaction the pool
// hands out: a send inside the caller's transaction is prepared too.
import { sql, type Interceptor, type QuerySqlToken, type ValueExpression } from 'slonik';
import type { z } from 'zod';

const MARK = /^\/\* (commandbus_[a-z_]+) \*\/ /;

/** The slonik interceptor that prepares the marked statements under their names. */
export const namePreparedStatements: Interceptor = {
  name: 'commandbus-prepared-statements',
  transformQuery: (_context, query) => {
    const name = MARK.exec(query.sql)?.[1];
    return name === undefined ? query : { ...query, name };
  },
};

type StatementTag<T extends z.ZodType> = (
  template: TemplateStringsArray,
  ...values: ValueExpression[]
) => QuerySqlToken<T>;

/** Templates with their mark, made once per call site (a template literal's strings are one object). */
const marked = new WeakMap<TemplateStringsArray, TemplateStringsArray>();

/**
 * The tag to build statement `name` (`commandbus_…`) with: parsed by
 * `parser`, marked for `namePreparedStatements`. The text must never vary
 * between calls.
 */
export function statement<T extends z.ZodType>(name: string, parser: T): StatementTag<T> {
  const tag = sql.type(parser);
  return (template, ...values) => {
    let withMark = marked.get(template);
    if (!withMark) {
      const prefix = (text: string, i: number) => (i === 0 ? `/* ${name} */ ${text}` : text);
      // Frozen, like a real template's: slonik checks that it got one.
      const raw = Object.freeze(template.raw.map(prefix));
      withMark = Object.freeze(Object.assign(template.map(prefix), { raw }));
      marked.set(template, withMark);
    }
    return tag(withMark, ...values);
  };
}
