// `npm run db`: a development PostgreSQL with the PGMQ-compatible extension,
// data kept in .data/postgres across restarts, until Ctrl-C.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedServer } from '@commandbus/embedded-postgres';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('expected a TCP port between 1 and 65535');
  }
  return port;
}

const program = new Command('db')
  .description('Run a development PostgreSQL 18 with the PGMQ-compatible extension until Ctrl-C')
  .option('--port <port>', 'TCP port on 127.0.0.1 (default: a free one)', parsePort)
  .option('--data-dir <dir>', 'data directory', path.join(repoRoot, '.data', 'postgres'))
  .action(async (options: { port?: number; dataDir: string }) => {
    const server = await startEmbeddedServer({
      dataDir: path.resolve(options.dataDir),
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    console.log(`DATABASE_URL=${server.url}`);
    console.log(`data in ${server.dataDir}; press Ctrl-C to stop`);
    const stop = async (signal: string) => {
      console.log(`${signal}: stopping PostgreSQL`);
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

await program.parseAsync().catch((error: unknown) => {
  console.error(`db: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
