// Public API of @commandbus/cli: what the project's command-line programs
// share — one usage error, one exit-code convention, option parsers, aligned
// tables, and waiting with a deadline. It depends on @commandbus/errors and
// commander only, so every CLI (the migrator's too) can use it.
export { requireDatabaseUrl } from './database-url.ts';
export { describeFailure, EXIT } from './failure.ts';
export type { ExitCode, Failure } from './failure.ts';
export {
  integerParser,
  parseJsonObject,
  parseNonNegativeInt,
  parsePositiveInt,
  patternParser,
} from './parsers.ts';
export type { IntegerRange } from './parsers.ts';
export { printWarningsOnOneLine, reportFailure, runMain } from './run-main.ts';
export { formatTable } from './table.ts';
export { UsageError } from './usage-error.ts';
export { waitUntil, WaitTimeoutError } from './wait-until.ts';
export type { WaitOptions } from './wait-until.ts';
