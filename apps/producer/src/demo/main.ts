// `npm start`: the whole command bus in one command. Starts an embedded
// PostgreSQL unless DATABASE_URL is set, migrates, runs a worker, sends the
// demo workload, shows live progress and ends with a summary.
import { Command } from 'commander';
import { Operator, Producer, Worker, openPool } from '@commandbus/commandbus';
import { defaultLogger } from '@commandbus/commandbus/internals';
import { countCommandsByStatus, measureCompletionLatency } from '@commandbus/commandbus/internals';
import { parsePositiveInt, runMain } from '@commandbus/cli';
import { registerDemoHandlers } from '@commandbus/demo';
import { startEmbeddedServer, type EmbeddedServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgressView } from './progress.ts';
import { formatSummary, type DemoSummary } from './summary.ts';
import { planWorkload } from './workload.ts';

interface DemoOptions {
  count: number;
  concurrency: number;
  domain: string;
  json: boolean;
  timeoutSeconds: number;
}

const SEND_CHUNK = 500;
const PROGRESS_EVERY_MS = 250;

const program = new Command('demo')
  .description(
    'Run the commandbus demo: database, migration, worker, producer, live progress, summary',
  )
  .option('--count <n>', 'commands to send', parsePositiveInt, 10_000)
  .option('--concurrency <n>', 'worker concurrency', parsePositiveInt, 16)
  .option('--domain <domain>', 'domain to send in', 'demo')
  .option('--timeout-seconds <s>', 'give up when the run takes longer', parsePositiveInt, 300)
  .option('--json', 'print the summary as JSON (and no progress)', false)
  .exitOverride();

await runMain('demo', async () => {
  program.parse();
  const options = program.opts<DemoOptions>();
  const say = options.json ? () => undefined : (line: string) => console.log(line);
  let server: EmbeddedServer | undefined;
  const stopServer = () => server?.stop();
  process.once('SIGINT', () => void Promise.resolve(stopServer()).finally(() => process.exit(130)));
  try {
    let url = process.env.DATABASE_URL;
    if (!url) {
      server = await startEmbeddedServer({ disposable: true });
      url = server.url;
      say(`started embedded PostgreSQL 18 on port ${server.port}`);
    }
    const migration = await migrate({ url });
    say(
      migration.applied.length
        ? `migrated: ${migration.applied.map((m) => m.script).join(', ')}`
        : 'schema up to date',
    );
    const summary = await runDemo(url, options, say);
    console.log(options.json ? JSON.stringify(summary, null, 2) : `\n${formatSummary(summary)}`);
    if (!summary.accountedFor) throw new Error('some commands were not accounted for');
  } finally {
    await stopServer();
  }
});

async function runDemo(
  url: string,
  options: DemoOptions,
  say: (line: string) => void,
): Promise<DemoSummary> {
  const logger = defaultLogger().child({ app: 'demo' });
  // Bounces and retries are the demo's point; the progress bar reports them.
  logger.level = process.env.LOG_LEVEL ?? 'error';
  const pool = await openPool(url, { maximumPoolSize: options.concurrency + 4 });
  const domain = options.domain;
  const workload = planWorkload(options.count);
  let batchCallbacks = 0;
  const worker = registerDemoHandlers(
    new Worker({
      pool,
      domain,
      concurrency: options.concurrency,
      logger,
      onBatchCompleted: () => (batchCallbacks += 1),
    }),
  );
  const producer = new Producer({ pool, domain, logger });
  // This run's commands, with a second of slack for the database's clock.
  const since = new Date(Date.now() - 1_000);
  await worker.start();
  say(`worker started (concurrency ${options.concurrency}); sending ${options.count} commands`);
  const startedAt = performance.now();
  const view = createProgressView(
    options.count,
    options.json ? 'silent' : process.stdout.isTTY ? 'tty' : 'plain',
  );
  let sent = 0;
  const sending = (async () => {
    for (let i = 0; i < workload.loose.length; i += SEND_CHUNK) {
      const chunk = workload.loose.slice(i, i + SEND_CHUNK);
      await producer.sendBatch(chunk);
      sent += chunk.length;
    }
    const batch = await producer.createBatch({ name: 'demo batch', commands: workload.batch });
    sent += workload.batch.length;
    return batch.batchId;
  })();
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let counts = await countCommandsByStatus(pool, { domain, since });
  for (;;) {
    const seconds = (performance.now() - startedAt) / 1000;
    view.update({ sent, counts, ratePerSecond: counts.completed / Math.max(seconds, 0.001) });
    if (
      sent === options.count &&
      counts.completed + counts.canceled + counts.inTroubleshooting >= options.count
    )
      break;
    if (Date.now() > deadline) break;
    await sleep(PROGRESS_EVERY_MS);
    counts = await countCommandsByStatus(pool, { domain, since });
  }
  view.stop();
  const seconds = (performance.now() - startedAt) / 1000;
  const batchId = await sending;
  await worker.stop();
  const latency = await measureCompletionLatency(pool, { domain, since });
  const { batch } = await new Operator({ pool, domain, logger }).getBatch(batchId);
  await pool.end();
  const finished = counts.completed + counts.canceled + counts.inTroubleshooting;
  return {
    commands: options.count,
    completed: counts.completed,
    canceled: counts.canceled,
    troubleshooting: counts.inTroubleshooting,
    expectedTroubleshooting: workload.expectedTroubleshooting,
    retried: counts.retried,
    seconds,
    throughputPerSecond: finished / seconds,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    batch: {
      batchId,
      status: batch?.status ?? 'MISSING',
      totalCount: batch?.totalCount ?? 0,
      completedCount: batch?.completedCount ?? 0,
      canceledCount: batch?.canceledCount ?? 0,
      inTroubleshootingCount: batch?.inTroubleshootingCount ?? 0,
      completedCallbacks: batchCallbacks,
    },
    accountedFor: finished === options.count && counts.total === options.count,
  };
}
