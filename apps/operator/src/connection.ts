// What every operator subcommand shares: where the database is, how output is
// printed, and an Operator of one domain on a pool that is always closed again.
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import type { DatabasePool } from 'slonik';
import { openPool, Operator } from '@commandbus/commandbus';
import { defaultLogger } from '@commandbus/commandbus/internals';
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

/** Runs `work` on a pool that is closed again afterwards. */
export async function withPool<T>(
  options: ConnectionOptions,
  work: (pool: DatabasePool) => Promise<T>,
): Promise<T> {
  const url = requireDatabaseUrl(options.url);
  const pool = await openPool(url, { maximumPoolSize: 2 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/**
 * With --domain, `perDomain` on an Operator of that domain; without it,
 * `everyDomain` on the pool (the listings that span every domain).
 */
export function withDomainOrAll<T>(
  options: ConnectionOptions & { readonly domain?: string | undefined },
  perDomain: (operator: Operator) => Promise<T>,
  everyDomain: (pool: DatabasePool) => Promise<T>,
): Promise<T> {
  const { domain } = options;
  return domain === undefined
    ? withPool(options, everyDomain)
    : withOperator({ ...options, domain }, perDomain);
}

/** Runs `work` with an Operator of `options.domain`. */
export function withOperator<T>(
  options: ConnectionOptions & ActorOptions & { readonly domain: string },
  work: (operator: Operator) => Promise<T>,
): Promise<T> {
  const logger = defaultLogger();
  // The CLI prints what happened itself; the library's info lines would only
  // interleave with it (and with --json). LOG_LEVEL still turns them on.
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  return withPool(options, (pool) =>
    work(
      new Operator({
        pool,
        domain: options.domain,
        logger,
        actor: options.actor ?? defaultActor(),
      }),
    ),
  );
}
