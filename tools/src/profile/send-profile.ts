// Developer tool: N single sends from 8 concurrent producers (or, given a
// batch size, sendBatch calls from one producer, as the benchmarks do) on a
// fresh embedded server with pg_stat_statements, printing where the time goes.
//   node tools/src/profile/send-profile.ts [count] [batchSize]
import { sql } from 'slonik';
import { z } from 'zod';
import { pino } from 'pino';
import { defineCommand, openPool, Producer } from '@commandbus/commandbus';
import { startEmbeddedServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';

const count = Number(process.argv[2] ?? 4000);
const batchSize = Number(process.argv[3] ?? 1);
const producers = batchSize === 1 ? 8 : 1;
const noop = defineCommand({ type: 'profile.Noop', data: z.object({ n: z.number() }) });

const server = await startEmbeddedServer({
  disposable: true,
  settings: {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    'pg_stat_statements.track_planning': 'on',
  },
});
try {
  await migrate({ url: server.url });
  const pool = await openPool(server.url, { maximumPoolSize: producers });
  await pool.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  const producer = new Producer({ pool, domain: 'profile', logger: pino({ level: 'silent' }) });
  await producer.setup();
  await pool.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
  let next = 0;
  const waits = new Map<string, number>();
  const sampler = await openPool(server.url, { maximumPoolSize: 1 });
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const rows = await sampler.any(sql.type(z.object({ w: z.string() }))`
        SELECT coalesce(wait_event_type || ':' || wait_event, state) AS w FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND query NOT LIKE '%pg_stat_activity%'`);
      for (const { w } of rows) waits.set(w, (waits.get(w) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next < count) {
        const first = next;
        next += batchSize;
        if (batchSize === 1) await producer.send(noop, { data: { n: first } });
        else
          await producer.sendBatch(
            Array.from({ length: batchSize }, (_, i) => ({
              command: noop,
              input: { data: { n: first + i } },
            })),
          );
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  sampling = false;
  await sampled;
  await sampler.end();
  console.log('backend states sampled:', [...waits].sort((a, b) => b[1] - a[1]).slice(0, 8));
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of one core`,
  );
  console.log(
    `sent ${count} in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)}/s (${producers} producers, ${batchSize} per call)`,
  );
  const rows = await pool.any(sql.type(
    z.object({
      calls: z.unknown(),
      total_ms: z.number(),
      mean_ms: z.number(),
      plan_ms: z.number(),
      query: z.string(),
    }),
  )`
    SELECT calls || '/' || plans AS calls, total_exec_time AS total_ms, mean_exec_time AS mean_ms, mean_plan_time AS plan_ms, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 100) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`);
  for (const r of rows)
    console.log(
      `${String(r.calls).padStart(7)} ${Number(r.total_ms).toFixed(0).padStart(7)}ms ${Number(r.mean_ms).toFixed(3).padStart(8)}ms plan ${Number(r.plan_ms).toFixed(3)}ms  ${r.query}`,
    );
  await pool.end();
} finally {
  await server.stop();
}
