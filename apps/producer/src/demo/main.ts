// `npm start`: the whole command bus in one command. Starts an embedded
// PostgreSQL unless DATABASE_URL is set, migrates, runs a worker and the
// operator console, sends the demo workload, shows live progress and ends
// with a summary; with --serve, the database, the worker and the console stay
// up until Ctrl-C.
import { Command } from 'commander';
import { Operator, Producer, Worker, openPool } from '@commandbus/commandbus';
import { defaultLogger } from '@commandbus/commandbus/internals';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { countCommandsByStatus, measureCompletionLatency } from '@commandbus/commandbus/internals';
import { integerParser, parsePositiveInt, runMain } from '@commandbus/cli';
import { serveConsole, type RunningConsole } from '@commandbus/console';
import { registerDemoHandlers, sendReceipt } from '@commandbus/demo';
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
  serve: boolean;
  consolePort: number;
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
  .option('--serve', 'keep the database, the worker and the console up until Ctrl-C', false)
  .option(
    '--console-port <n>',
    'port of the operator console on 127.0.0.1 (0: any free one; taken: another)',
    integerParser({ min: 0, max: 65535 }),
    3100,
  )
  .exitOverride();

await runMain('demo', async () => {
  program.parse();
  const options = program.opts<DemoOptions>();
  const say = options.json ? () => undefined : (line: string) => console.log(line);
  // --json prints one JSON document and nothing else; with --serve too, the
  // console's URL goes to stderr, since the run does not end on its own.
  const tell = !options.json
    ? say
    : options.serve
      ? (line: string) => console.error(line)
      : () => undefined;
  let server: EmbeddedServer | undefined;
  let running: RunningConsole | undefined;
  let consolePool: DatabasePool | undefined;
  const stopServer = async () => {
    await running?.close();
    await consolePool?.end();
    await server?.stop();
  };
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  void interrupted.then(() =>
    options.serve ? undefined : Promise.resolve(stopServer()).finally(() => process.exit(130)),
  );
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
    consolePool = await openPool(url, { maximumPoolSize: 4 });
    const consoleLogger = defaultLogger().child({ app: 'console' });
    // Operator actions are logged; the demo's progress lines stay readable.
    consoleLogger.level = process.env.LOG_LEVEL ?? 'warn';
    running = await startConsole(consolePool, options.consolePort, consoleLogger);
    tell(`operator console: ${running.url} (127.0.0.1 only)`);
    const { summary, stop } = await runDemo(url, options, say);
    console.log(options.json ? JSON.stringify(summary, null, 2) : `\n${formatSummary(summary)}`);
    if (options.serve) {
      tell(
        `\nserving: the console at ${running.url}, a worker of domain ${options.domain}` +
          `${server ? ` and the embedded PostgreSQL on port ${server.port}` : ''}; Ctrl-C stops them`,
      );
      await interrupted;
    }
    await stop();
    if (!summary.accountedFor) throw new Error('some commands were not accounted for');
  } finally {
    await stopServer();
  }
});

/**
 * With --serve, the mailboxes that bounced during the run are fixed once it
 * is over: a troubleshooting item retried from the console then completes,
 * which is what a newcomer clicking Retry wants to see. The run itself keeps
 * its planned outcome.
 */
function withMailboxesFixedAfterTheRun(worker: Worker, runOver: { done: boolean }): Worker {
  const wrapper = Object.create(worker) as Worker;
  const register: Worker['register'] = (definition, handler) => {
    worker.register(
      definition,
      definition.type === sendReceipt.type
        ? // sendReceipt has no reply: "fixed" means the handler returns nothing.
          (context) => (runOver.done ? (undefined as never) : handler(context))
        : handler,
    );
    return wrapper;
  };
  return Object.assign(wrapper, { register });
}

/** The console on the port asked for, or on a free one when that is taken. */
async function startConsole(
  pool: DatabasePool,
  port: number,
  logger: Logger,
): Promise<RunningConsole> {
  try {
    return await serveConsole({ pool, port, logger });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return serveConsole({ pool, port: 0, logger });
  }
}

async function runDemo(
  url: string,
  options: DemoOptions,
  say: (line: string) => void,
): Promise<{ summary: DemoSummary; stop: () => Promise<void> }> {
  const logger = defaultLogger().child({ app: 'demo' });
  // Bounces and retries are the demo's point; the progress bar reports them.
  logger.level = process.env.LOG_LEVEL ?? 'error';
  const pool = await openPool(url, { maximumPoolSize: options.concurrency + 4 });
  const domain = options.domain;
  const workload = planWorkload(options.count);
  let batchCallbacks = 0;
  const runOver = { done: false };
  const demoWorker = new Worker({
    pool,
    domain,
    concurrency: options.concurrency,
    logger,
    onBatchCompleted: () => (batchCallbacks += 1),
  });
  const worker = options.serve ? demoWorker : registerDemoHandlers(demoWorker);
  if (options.serve) registerDemoHandlers(withMailboxesFixedAfterTheRun(demoWorker, runOver));
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
  runOver.done = true;
  // With --serve the worker keeps running, so retries clicked in the console complete.
  if (!options.serve) await worker.stop();
  const latency = await measureCompletionLatency(pool, { domain, since });
  const { batch } = await new Operator({ pool, domain, logger }).getBatch(batchId);
  const stop = async () => {
    await worker.stop();
    await pool.end();
  };
  if (!options.serve) await stop();
  const finished = counts.completed + counts.canceled + counts.inTroubleshooting;
  const summary: DemoSummary = {
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
  return { summary, stop: options.serve ? stop : async () => undefined };
}
