// `apps/worker`: runs a worker for one domain until SIGINT/SIGTERM. Handlers
// are registered in code: the demo's by default, or a module's `register`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { openPool, Worker } from '@commandbus/commandbus';
import { DOMAIN_PATTERN, defaultLogger } from '@commandbus/commandbus/internals';
import {
  integerParser,
  parsePositiveInt,
  patternParser,
  requireDatabaseUrl,
  runMain,
  UsageError,
} from '@commandbus/cli';
import { registerDemoHandlers } from '@commandbus/demo';

const parseDomain = patternParser(DOMAIN_PATTERN, 'a domain');
const parsePort = integerParser({ min: 0, max: 65_535 });

interface WorkerCliOptions {
  domain: string;
  concurrency: number;
  handlers?: string;
  vt: number;
  pollIntervalMs: number;
  graceMs: number;
  metricsPort?: number;
  metricsHost?: string;
  url?: string;
}

type RegisterHandlers = (worker: Worker) => unknown;

async function loadHandlers(modulePath: string | undefined): Promise<RegisterHandlers> {
  if (!modulePath) return registerDemoHandlers;
  const loaded: { register?: unknown } = await import(pathToFileURL(path.resolve(modulePath)).href);
  if (typeof loaded.register !== 'function') {
    throw new UsageError(`${modulePath} must export a function register(worker)`);
  }
  return loaded.register as RegisterHandlers;
}

const program = new Command('worker')
  .description('Run a commandbus worker for one domain until SIGINT/SIGTERM')
  .option('--domain <domain>', 'domain whose command queue to work', parseDomain, 'demo')
  .option('--concurrency <n>', 'handlers running at once', parsePositiveInt, 10)
  .option('--handlers <module>', 'module exporting register(worker) (default: the demo handlers)')
  .option('--vt <seconds>', 'lease (visibility timeout) in seconds', parsePositiveInt, 30)
  .option('--poll-interval-ms <ms>', 'fallback poll interval', parsePositiveInt, 1000)
  .option(
    '--grace-ms <ms>',
    'shutdown grace period for in-flight handlers',
    parsePositiveInt,
    30_000,
  )
  .option(
    '--metrics-port <port>',
    'serve /metrics, /healthz and /readyz on this port (0: any free port, logged)',
    parsePort,
  )
  .option('--metrics-host <address>', 'address the metrics port listens on (default: all)')
  .addOption(new Option('--url <url>', 'database URL').env('DATABASE_URL').hideHelp())
  .exitOverride();

await runMain('worker', async () => {
  program.parse();
  const options = program.opts<WorkerCliOptions>();
  const url = requireDatabaseUrl(options.url);
  const register = await loadHandlers(options.handlers);
  const logger = defaultLogger();
  const pool = await openPool(url, { maximumPoolSize: options.concurrency + 2 });
  const worker = new Worker({
    pool,
    domain: options.domain,
    concurrency: options.concurrency,
    visibilityTimeoutSeconds: options.vt,
    pollIntervalMs: options.pollIntervalMs,
    shutdownGraceMs: options.graceMs,
    logger,
    ...(options.metricsPort !== undefined && {
      metrics: { port: options.metricsPort, host: options.metricsHost },
    }),
  });
  register(worker);
  await worker.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal }, 'shutting down');
  await worker.stop();
  await pool.end();
});
