// What every operator subcommand shares: where the database is, how output is
// printed, and an Operator on a pool that is always closed again.
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { defaultLogger, openPool, Operator } from '@commandbus/commandbus';
import { requireDatabaseUrl } from '@commandbus/cli';

export interface ConnectionOptions {
  url?: string;
  json: boolean;
}

export interface ActorOptions {
  actor?: string;
}

/** A subcommand with exit override, `--json` and the hidden `--url` (DATABASE_URL). */
export function subcommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--json', 'print the result as JSON (for scripts)', false)
    .addOption(new Option('--url <url>', 'database URL').env('DATABASE_URL').hideHelp())
    .exitOverride();
}

/** A command that only groups subcommands (`tsq`, `batch`, …). */
export function group(name: string, description: string): Command {
  return new Command(name).description(description).exitOverride();
}

export function actorOption(command: Command): Command {
  return command.option(
    '--actor <name>',
    'who is acting, recorded in the audit trail (default: your user name)',
  );
}

function defaultActor(): string | undefined {
  try {
    return process.env.USER || userInfo().username || undefined;
  } catch {
    // No passwd entry (some containers): the audit then names no operator.
    return undefined;
  }
}

export async function withOperator<T>(
  options: ConnectionOptions & ActorOptions,
  work: (operator: Operator) => Promise<T>,
): Promise<T> {
  const url = requireDatabaseUrl(options.url);
  const logger = defaultLogger();
  // The CLI prints what happened itself; the library's info lines would only
  // interleave with it (and with --json). LOG_LEVEL still turns them on.
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const pool = await openPool(url, { maximumPoolSize: 2 });
  try {
    return await work(new Operator({ pool, logger, actor: options.actor ?? defaultActor() }));
  } finally {
    await pool.end();
  }
}
