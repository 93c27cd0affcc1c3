// The domains a database holds: those with commands (a loose index scan over
// uq_command_domain_cmdid, one index probe per domain instead of a scan of
// every command) and those with a command queue but no command yet.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

const domainRow = z.object({ domain: z.string() });
const COMMAND_QUEUE_SUFFIX = '__commands';

export async function listDomains(db: CommonQueryMethods): Promise<string[]> {
  const rows = await db.any(sql.type(domainRow)`
    WITH RECURSIVE d AS (
      (SELECT domain FROM commandbus.command ORDER BY domain LIMIT 1)
      UNION ALL
      SELECT (SELECT c.domain FROM commandbus.command AS c
               WHERE c.domain > d.domain ORDER BY c.domain LIMIT 1)
        FROM d WHERE d.domain IS NOT NULL
    )
    SELECT domain FROM d WHERE domain IS NOT NULL
    UNION
    SELECT left(queue_name, 0 - ${COMMAND_QUEUE_SUFFIX.length}::int) AS domain
      FROM pgmq.list_queues()
     WHERE right(queue_name, ${COMMAND_QUEUE_SUFFIX.length}::int) = ${COMMAND_QUEUE_SUFFIX}
    ORDER BY domain
  `);
  return rows.map((row) => domainRow.parse(row).domain);
}
