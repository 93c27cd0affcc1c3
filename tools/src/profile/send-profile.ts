// Developer tool: N single sends from 8 concurrent producers on a fresh
// embedded server with pg_stat_statements, printing where the time goes.
import { sql } from 'slonik';
import { z } from 'zod';
import { pino } from 'pino';
import { defineCommand, openPool, Producer } from '@commandbus/commandbus';
import { startEmbeddedServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';

const count = Number(process.argv[2] ?? 4000);
const producers = 8;
const noop = defineCommand({ type: 'profile.Noop', data: z.object({ n: z.number() }) });

const server = await startEmbeddedServer({
  disposable: true,
  settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
});
try {
  await migrate({ url: server.url });
  const pool = await openPool(server.url, { maximumPoolSize: producers });
  await pool.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  const producer = new Producer({ pool, domain: 'profile', logger: pino({ level: 'silent' }) });
  await producer.setup();
  await pool.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next < count) {
        const n = next++;
        await producer.send(noop, { data: { n } });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  console.log(`sent ${count} in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)}/s (${producers} producers)`);
  const rows = await pool.any(sql.type(z.object({ calls: z.unknown(), total_ms: z.number(), mean_ms: z.number(), query: z.string() }))`
    SELECT calls, total_exec_time AS total_ms, mean_exec_time AS mean_ms, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 100) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`);
  for (const r of rows) console.log(`${String(r.calls).padStart(7)} ${Number(r.total_ms).toFixed(0).padStart(7)}ms ${Number(r.mean_ms).toFixed(3).padStart(8)}ms  ${r.query}`);
  await pool.end();
} finally {
  await server.stop();
}
