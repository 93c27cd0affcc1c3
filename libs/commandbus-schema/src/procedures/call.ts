// Builds a procedure call from the registry (named notation, casts from the
// declared types) and turns the procedures' documented RAISEs into
// StoredProcedureError.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { CommandBusError, StoredProcedureError, type StoredProcedureErrorCode } from '../errors.ts';
import {
  PROCEDURE_SCHEMA,
  PROCEDURES,
  type ProcedureArguments,
  type ProcedureName,
  type ProcedureParameter,
  type ProcedureSpec,
} from './registry.ts';

/**
 * `"commandbus"."sp_x"("p_a" => $1::"text", "p_b" => $2::"uuid", …)` in
 * declaration order. Named notation makes PostgreSQL itself reject a parameter
 * name that drifted, and the casts keep the call unambiguous should an
 * overload ever be added. Arguments left undefined are left out (their SQL
 * default applies); every other value is bound as a parameter.
 */
export function procedureCall<N extends ProcedureName>(
  name: N,
  args: ProcedureArguments<N>,
): FragmentSqlToken {
  const spec: ProcedureSpec = PROCEDURES[name];
  const given = args as Readonly<Record<string, unknown>>;
  const present: ProcedureParameter[] = [];
  const values: (string | number | null)[] = [];
  let mask = 0;
  spec.params.forEach((param, index) => {
    const value = given[param.name];
    if (value === undefined) {
      if (param.hasDefault) return;
      throw new CommandBusError(
        'INTERNAL',
        `${spec.sqlName}: no value for ${param.name}, which has no default`,
      );
    }
    mask |= 1 << index;
    present.push(param);
    values.push(toBindValue(value));
  });
  return sql.fragment(callTemplate(spec, mask, present), ...values);
}

// Building the call out of identifier and fragment tokens on every call cost
// more than the rest of a wrapper together (see tools/src/bench), so the
// template text is built once per procedure and set of present parameters.
// It is made only of registry constants, checked to be plain identifiers:
// no input ever reaches the SQL text, only the bound values.
const templates = new Map<string, TemplateStringsArray>();
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function callTemplate(
  spec: ProcedureSpec,
  mask: number,
  present: readonly ProcedureParameter[],
): TemplateStringsArray {
  const key = `${spec.sqlName}/${mask}`;
  let template = templates.get(key);
  if (!template) {
    for (const word of [
      PROCEDURE_SCHEMA,
      spec.sqlName,
      ...present.flatMap((p) => [p.name, p.type]),
    ]) {
      if (!PLAIN_IDENTIFIER.test(word)) {
        throw new CommandBusError(
          'INTERNAL',
          `procedure registry: ${JSON.stringify(word)} is not a plain identifier`,
        );
      }
    }
    const parts = [`"${PROCEDURE_SCHEMA}"."${spec.sqlName}"(`];
    present.forEach((param, i) => {
      parts[parts.length - 1] += `${i === 0 ? '' : ', '}"${param.name}" => `;
      parts.push(`::"${param.type}"`);
    });
    parts[parts.length - 1] += ')';
    // The shape slonik's tag checks for: an array with a frozen `raw` copy.
    template = Object.freeze(Object.assign([...parts], { raw: Object.freeze([...parts]) }));
    templates.set(key, template);
  }
  return template;
}

const booleanResultSchema = z.object({ result: z.boolean() });

/** `SELECT commandbus.sp_x(…)` for the procedures that return BOOLEAN. */
export async function callBooleanProcedure<N extends ProcedureName>(
  db: CommonQueryMethods,
  name: N,
  args: ProcedureArguments<N>,
): Promise<boolean> {
  const call = procedureCall(name, args);
  const row = await withProcedureErrors(() =>
    db.one(sql.type(booleanResultSchema)`SELECT ${call} AS result`),
  );
  return booleanResultSchema.parse(row).result;
}

function toBindValue(value: unknown): string | number | null {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  return JSON.stringify(value);
}

// SQLSTATEs the V001 procedures raise, with the message prefix they use, so
// only their own RAISEs are translated and every other error passes unchanged.
const CODE_BY_SQLSTATE: Readonly<Record<string, StoredProcedureErrorCode>> = {
  '22023': 'PROCEDURE_ARGUMENT_REJECTED',
  '23514': 'BATCH_COUNTER_UNDERFLOW',
  P0002: 'BATCH_NOT_FOUND',
};

/** Runs `work`; a documented RAISE of a V001 procedure becomes a StoredProcedureError. */
export async function withProcedureErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateProcedureError(error) ?? error;
  }
}

function translateProcedureError(error: unknown): StoredProcedureError | undefined {
  // slonik wraps some SQLSTATEs in its own classes and keeps pg's error as `cause`.
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const { code, message } = current as Error & { code?: unknown };
    const match = /^commandbus\.(sp_[a-z_]+): /.exec(message);
    if (typeof code === 'string' && match?.[1] && code in CODE_BY_SQLSTATE) {
      const ourCode = CODE_BY_SQLSTATE[code];
      if (ourCode)
        return new StoredProcedureError(ourCode, match[1], code, message, { cause: error });
    }
    current = current.cause;
  }
  return undefined;
}
