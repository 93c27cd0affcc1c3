export { schemaSqlDir } from './sql-dir.ts';
