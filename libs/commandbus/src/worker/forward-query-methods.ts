// A CommonQueryMethods whose every method goes through one function: the
// worker's wrappers (the connection budget, the lazy handler transaction) add
// their step before the real method runs, and list the methods only here.
import type { CommonQueryMethods } from 'slonik';

const QUERY_METHODS = [
  'any',
  'anyFirst',
  'exists',
  'many',
  'manyFirst',
  'maybeOne',
  'maybeOneFirst',
  'one',
  'oneFirst',
  'query',
  'stream',
  'transaction',
] as const satisfies readonly (keyof CommonQueryMethods)[];

export type QueryMethodName = (typeof QUERY_METHODS)[number];

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** Calls `target`'s method `name` with `args`, whatever its signature. */
export function callQueryMethod(
  target: CommonQueryMethods,
  name: QueryMethodName,
  args: unknown[],
): Promise<unknown> {
  return (target[name] as unknown as AnyMethod).apply(target, args);
}

/** Query methods that each hand their name and arguments to `call`. */
export function forwardQueryMethods(
  call: (name: QueryMethodName, args: unknown[]) => Promise<unknown>,
): CommonQueryMethods {
  const methods: Record<string, AnyMethod> = {};
  for (const name of QUERY_METHODS) methods[name] = (...args) => call(name, args);
  return methods as unknown as CommonQueryMethods;
}
