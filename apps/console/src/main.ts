// `npm run console -- --port N`: the operator console against DATABASE_URL.
// CONSOLE_USERS="name:password:role,…" turns on basic auth; without it the
// console answers on 127.0.0.1 only and says so.
import { Command } from 'commander';
import { openPool } from '@commandbus/commandbus';
import { defaultLogger } from '@commandbus/commandbus/internals';
import { parseConsoleUsers, serveConsole } from '@commandbus/console';
import { integerParser, requireDatabaseUrl, runMain, UsageError } from '@commandbus/cli';

interface ConsoleCliOptions {
  port: number;
  host?: string;
  url?: string;
}

const program = new Command('console')
  .description('Serve the commandbus operator console (web UI) against DATABASE_URL')
  .option(
    '--port <n>',
    'port to listen on (0: any free one)',
    integerParser({ min: 0, max: 65535 }),
    3100,
  )
  .option(
    '--host <address>',
    'address to listen on (default 0.0.0.0 with CONSOLE_USERS, else 127.0.0.1 only)',
  )
  .option('--url <url>', 'database URL (default DATABASE_URL)')
  .addHelpText(
    'after',
    '\nCONSOLE_USERS="alice:secret:operator,bob:pw:viewer" asks for HTTP basic auth;\n' +
      'a viewer sees everything and can change nothing. Without users the console\n' +
      'listens on 127.0.0.1 only, as you, with operator rights. Ctrl-C stops it.',
  )
  .exitOverride();

await runMain('console', async () => {
  program.parse();
  const options = program.opts<ConsoleCliOptions>();
  const users = process.env.CONSOLE_USERS ? parseConsoleUsers(process.env.CONSOLE_USERS) : [];
  const host = options.host ?? (users.length ? '0.0.0.0' : '127.0.0.1');
  if (!users.length && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new UsageError(
      `--host ${host} needs CONSOLE_USERS: without users the console listens on 127.0.0.1 only`,
    );
  }
  const logger = defaultLogger().child({ app: 'console' });
  const pool = await openPool(requireDatabaseUrl(options.url), { maximumPoolSize: 10 });
  const running = await serveConsole({ pool, port: options.port, host, users, logger });
  console.log(
    running.localOnly
      ? `console: ${running.url} (no CONSOLE_USERS: listening on 127.0.0.1 only)`
      : `console: ${running.url} (basic auth, ${users.length} user${users.length === 1 ? '' : 's'})`,
  );
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stopped;
  await running.close();
  await pool.end();
});
