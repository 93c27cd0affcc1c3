// `npm run bench:console`: p50/p95 of every console page's API requests on a
// database of 1,000,000 commands (embedded PostgreSQL kept in
// .data/console-bench, seeded on the first run), through the real HTTP
// handler. Target: p95 ≤ 100 ms for every request.
import { createServer } from 'node:http';
import { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { openPool } from '@commandbus/commandbus';
import { parsePositiveInt, runMain } from '@commandbus/cli';
import { createConsole } from '@commandbus/console';
import { startEmbeddedServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';
import { pino } from 'pino';
import { seedConsoleData, seededCount } from './seed-data.ts';

const TARGET_P95_MS = 100;

const program = new Command('bench:console')
  .description('Time the console API on a database of many commands')
  .option('--commands <n>', 'commands in the database', parsePositiveInt, 1_000_000)
  .option('--repeat <n>', 'timed requests per endpoint', parsePositiveInt, 40)
  .option(
    '--data-dir <dir>',
    'embedded PostgreSQL data directory (kept between runs)',
    '.data/console-bench',
  )
  .option('--json', 'print the results as JSON', false)
  .exitOverride();

interface Row {
  readonly page: string;
  readonly request: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

await runMain('bench:console', async () => {
  program.parse();
  const options = program.opts<{
    commands: number;
    repeat: number;
    dataDir: string;
    json: boolean;
  }>();
  const say = options.json ? () => undefined : (line: string) => console.log(line);
  const server = await startEmbeddedServer({ dataDir: options.dataDir, disposable: false });
  try {
    await migrate({ url: server.url });
    const pool = await openPool(server.url, { maximumPoolSize: 4 });
    try {
      const have = await seededCount(pool);
      if (have < options.commands) {
        say(
          `seeding ${(options.commands - have).toLocaleString('en')} commands (once; kept in ${options.dataDir})`,
        );
        await seedConsoleData(pool, {
          commands: options.commands - have,
          offset: have,
          onProgress: options.json
            ? undefined
            : (n) => process.stdout.write(`\r  ${n.toLocaleString('en')}`),
        });
        say('');
      }
      const rows = await measure(pool, options.repeat);
      if (options.json) {
        console.log(
          JSON.stringify(
            { commands: await seededCount(pool), targetP95Ms: TARGET_P95_MS, rows },
            null,
            2,
          ),
        );
      } else {
        say(
          `commands: ${(await seededCount(pool)).toLocaleString('en')}; ${options.repeat} timed requests each\n`,
        );
        say('| page | request | p50 ms | p95 ms |');
        say('|---|---|---:|---:|');
        for (const row of rows) {
          const flag = row.p95Ms > TARGET_P95_MS ? ' (over target)' : '';
          say(
            `| ${row.page} | \`${row.request}\` | ${row.p50Ms.toFixed(1)} | ${row.p95Ms.toFixed(1)}${flag} |`,
          );
        }
      }
      const over = rows.filter((row) => row.p95Ms > TARGET_P95_MS);
      if (over.length && !options.json)
        say(`\n${over.length} request(s) over the ${TARGET_P95_MS} ms p95 target`);
    } finally {
      await pool.end();
    }
  } finally {
    await server.stop();
  }
});

async function measure(pool: Awaited<ReturnType<typeof openPool>>, repeat: number): Promise<Row[]> {
  const sample = await pool.one(
    sql.type(
      z.object({
        command_id: z.string(),
        batch_id: z.string(),
        correlation_id: z.string(),
        tsq_id: z.string(),
      }),
    )`
      SELECT
        (SELECT command_id::text FROM commandbus.command WHERE domain = 'bench' AND status = 'COMPLETED' AND batch_id IS NOT NULL ORDER BY created_at DESC LIMIT 1) AS command_id,
        (SELECT batch_id::text FROM commandbus.batch WHERE domain = 'bench' ORDER BY created_at DESC LIMIT 1) AS batch_id,
        (SELECT correlation_id::text FROM commandbus.command WHERE status = 'COMPLETED' AND correlation_id IS NOT NULL ORDER BY created_at DESC LIMIT 1) AS correlation_id,
        (SELECT command_id::text FROM commandbus.command WHERE domain = 'bench' AND status = 'IN_TROUBLESHOOTING_QUEUE' ORDER BY updated_at LIMIT 1) AS tsq_id
    `,
  );
  const handler = createConsole({
    pool,
    authorize: () => ({ user: 'bench', role: 'viewer' }),
    logger: pino({ level: 'warn' }),
  });
  const http = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}/api/`;
  const get = async (path: string) => {
    const response = await fetch(base + path);
    const body = (await response.json()) as { next?: string | null };
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const secondPage = async (path: string) => {
    const first = await get(path);
    return `${path}${path.includes('?') ? '&' : '?'}after=${first.next ?? ''}`;
  };
  const requests: [string, string][] = [
    ['overview', 'session'],
    ['overview', 'overview'],
    ['commands', 'commands'],
    ['commands', await secondPage('commands')],
    ['commands', 'commands?domain=bench'],
    ['commands', 'commands?domain=bench&status=COMPLETED'],
    ['commands', 'commands?domain=billing&status=PENDING'],
    ['commands', 'commands?domain=bench&type=bench.Email'],
    ['commands', `commands?batch=${sample.batch_id}`],
    ['commands', `commands?id=${sample.command_id}`],
    ['commands', `commands?correlation=${sample.correlation_id}`],
    ['commands', `commands?domain=bench&from=${new Date(Date.now() - 86_400_000).toISOString()}`],
    ['command', `commands/bench/${sample.command_id}`],
    ['command', `commands/bench/${sample.tsq_id}`],
    ['troubleshooting', 'troubleshooting?domain=bench'],
    ['troubleshooting', await secondPage('troubleshooting?domain=bench')],
    ['troubleshooting', 'troubleshooting?domain=bench&type=bench.Email'],
    ['troubleshooting', 'troubleshooting/count?domain=bench'],
    ['batches', 'batches'],
    ['batches', 'batches?domain=bench&status=COMPLETED_WITH_FAILURES'],
    ['batch', `batches/bench/${sample.batch_id}`],
    ['queues', 'queues'],
  ];
  const rows: Row[] = [];
  try {
    for (const [page, path] of requests) {
      for (let i = 0; i < 3; i += 1) await get(path);
      const times: number[] = [];
      for (let i = 0; i < repeat; i += 1) {
        const started = performance.now();
        await get(path);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const shown = path
        .replace(/after=[^&]+/, 'after=…')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>');
      rows.push({
        page,
        request: `GET /api/${shown}`,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
      });
    }
  } finally {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
  return rows;
}
