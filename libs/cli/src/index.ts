export { EXIT, reportFailure, requireDatabaseUrl, runMain, UsageError } from './run-main.ts';
export { formatTable } from './table.ts';
export { parseDomain, parseJsonObject, parseNonNegativeInt, parsePositiveInt } from './parsers.ts';
