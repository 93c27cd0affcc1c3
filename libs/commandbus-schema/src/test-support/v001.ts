// The V001 migration text, read once, for test databases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaSqlDir } from '../sql-dir.ts';

export const v001Sql = readFileSync(path.join(schemaSqlDir, 'V001__commandbus_schema.sql'), 'utf8');
