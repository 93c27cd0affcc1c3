// The Flyway location of this schema: the migrator and real Flyway both apply
// the `V<version>__<description>.sql` files found here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const schemaSqlDir = fileURLToPath(new URL('../sql', import.meta.url));

const MIGRATION_FILE = /^V(\d+(?:[._]\d+)*)__.+\.sql$/;

export interface SchemaMigration {
  /** The file name, e.g. `V002__business_rule_failures_and_python_interop.sql`. */
  readonly script: string;
  readonly sql: string;
}

/**
 * Every migration of the schema in the order Flyway applies them (versions
 * compared numerically part by part), read from `schemaSqlDir`. Running their
 * SQL in this order gives a database the migrator would give, without a
 * history table: what test databases start from.
 */
export function readSchemaMigrations(dir: string = schemaSqlDir): SchemaMigration[] {
  const versioned = readdirSync(dir).flatMap((script) => {
    const match = MIGRATION_FILE.exec(script);
    return match?.[1] ? [{ script, parts: match[1].split(/[._]/).map(Number) }] : [];
  });
  versioned.sort((a, b) => compareVersions(a.parts, b.parts));
  return versioned.map(({ script }) => ({
    script,
    sql: readFileSync(path.join(dir, script), 'utf8'),
  }));
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
