// Where a CLI finds its database: --url, else DATABASE_URL.
import { UsageError } from './usage-error.ts';

/** DATABASE_URL (or the --url given), or a usage error that says how to get one. */
export function requireDatabaseUrl(given?: string): string {
  const url = given ?? process.env.DATABASE_URL;
  if (!url) {
    throw new UsageError('DATABASE_URL is not set (start one with `npm run db`, or pass --url)');
  }
  return url;
}
