// A plain `pg` client for the harness's own checks (is the queue empty yet?),
// kept apart from the systems under test and their pools.
import pg from 'pg';
import { z } from 'zod';

export async function withClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const countRow = z.object({ n: z.coerce.number().int() });

/** Runs a `SELECT count(*) AS n …` and returns n. */
export async function countRows(
  client: pg.Client,
  text: string,
  values: unknown[] = [],
): Promise<number> {
  const result = await client.query(text, values);
  return countRow.parse(result.rows[0]).n;
}
