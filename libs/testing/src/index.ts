export { createTestDatabase, useTestDatabase } from './test-database.ts';
export type { TestDatabase, TestDatabaseOptions } from './test-database.ts';
export { resolveTestServer, redactPassword, PGMQ_IMAGE } from './server-resolution.ts';
export type { ResolvedServer } from './server-resolution.ts';
export { waitFor } from './wait-for.ts';
export { gate, type Gate } from './gate.ts';
export { runCli, useCliProcesses, type CliProcess, type CliRun } from './cli-processes.ts';
