// Developer tool: drains N no-op commands through a Worker on a fresh
// embedded server with pg_stat_statements, and prints where the database
// time goes. Not a benchmark (see `npm run bench`); a magnifying glass.
import { sql } from 'slonik';
import { z } from 'zod';
import { pino } from 'pino';
import { defineCommand, openPool, Producer, Worker } from '@commandbus/commandbus';
import { startEmbeddedServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';
import { setTimeout as sleep } from 'node:timers/promises';

const count = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 16);
const noop = defineCommand({ type: 'profile.Noop', data: z.object({ n: z.number() }) });

const server = await startEmbeddedServer({
  disposable: true,
  settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
});
try {
  await migrate({ url: server.url });
  const pool = await openPool(server.url, { maximumPoolSize: concurrency + 4 });
  await pool.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  const producer = new Producer({ pool, domain: 'profile', logger: pino({ level: 'silent' }) });
  const sendStart = performance.now();
  for (let i = 0; i < count; i += 500) {
    await producer.sendBatch(
      Array.from({ length: Math.min(500, count - i) }, (_, k) => ({
        command: noop,
        input: { data: { n: i + k } },
      })),
    );
  }
  console.log(`sent ${count} in ${((performance.now() - sendStart) / 1000).toFixed(2)} s`);
  await pool.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
  const worker = new Worker({
    pool,
    domain: 'profile',
    concurrency,
    logger: pino({ level: 'silent' }),
  });
  worker.register(noop, () => undefined);
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  await worker.start();
  // Counted in process, not polled from the database: a count(*) every few
  // milliseconds would itself show up in the profile.
  const waits = new Map<string, number>();
  while (worker.counts.completed < count) {
    const sampled = await pool.any(sql.type(z.object({ wait: z.string() }))`
      SELECT coalesce(wait_event_type || ':' || wait_event, state) AS wait
        FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`);
    for (const { wait } of sampled) waits.set(wait, (waits.get(wait) ?? 0) + 1);
    await sleep(10);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();
  console.log(
    `drained ${count} in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)}/s (concurrency ${concurrency})`,
  );
  console.log(
    `node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of one core`,
  );
  console.log('non-idle backends by wait event (sampled every ~10 ms):');
  for (const [wait, n] of [...waits].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${String(n).padStart(7)}  ${wait}`);
  const rows = await pool.any(sql.type(
    z.object({
      calls: z.union([z.number(), z.bigint()]),
      total_ms: z.number(),
      mean_ms: z.number(),
      query: z.string(),
    }),
  )`
    SELECT calls, total_exec_time AS total_ms, mean_exec_time AS mean_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25`);
  for (const r of rows)
    console.log(
      `${String(r.calls).padStart(7)} ${Number(r.total_ms).toFixed(0).padStart(7)}ms ${Number(r.mean_ms).toFixed(3).padStart(8)}ms  ${r.query}`,
    );
  await pool.end();
} finally {
  await server.stop();
}
