#!/usr/bin/env node
// `npm run migrate -- migrate | validate | info`: the Flyway-compatible
// migrator for people (tables) and scripts (--json, exit codes 0 / 1 / 2).
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import {
  describeFailure,
  EXIT,
  formatTable,
  printWarningsOnOneLine,
  UsageError,
} from '@commandbus/cli';
import { info } from './info.ts';
import { migrate } from './migrate.ts';
import { validate, type MigrationStatus } from './validate.ts';
import type { MigratorOptions } from './defaults.ts';

const cliOptions = z.object({
  url: z.string().min(1, '--url must not be empty').optional(),
  location: z.array(z.string().min(1)).min(1).optional(),
  json: z.boolean().optional(),
});
type CliOptions = z.infer<typeof cliOptions>;

interface Io {
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let url: string | undefined;
  let json = false;
  const resolve = (raw: unknown): MigratorOptions => {
    const parsed = cliOptions.safeParse(raw);
    if (!parsed.success)
      throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
    const options: CliOptions = parsed.data;
    json = options.json ?? false;
    url = options.url ?? (io.env.DATABASE_URL || undefined);
    if (!url) throw new UsageError('no database URL: pass --url URL or set DATABASE_URL');
    // `npm run` moves to the repository root; relative locations mean what
    // they meant where the user typed them (INIT_CWD).
    const base = io.env.INIT_CWD ?? process.cwd();
    const locations = options.location?.map((location) =>
      path.resolve(base, location.replace(/^filesystem:/, '')),
    );
    return { url, ...(locations ? { locations } : {}) };
  };

  const program = new Command('migrate')
    .description(
      'Flyway-compatible migrator for the commandbus schema (applies libs/commandbus-schema/sql by default)',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const withCommonOptions = (command: Command) =>
    command
      .option('--url <url>', 'PostgreSQL connection URL (default: $DATABASE_URL)')
      .option('--location <dir...>', 'migration location(s) (default: libs/commandbus-schema/sql)')
      .option('--json', 'machine-readable JSON on stdout')
      .exitOverride();

  withCommonOptions(program.command('migrate'))
    .description(
      'apply every pending migration, each in its own transaction, under an advisory lock',
    )
    .action(async (raw: unknown) => {
      const result = await migrate(resolve(raw));
      if (json) return io.out(`${JSON.stringify(result)}\n`);
      for (const applied of result.applied) {
        io.out(
          `applied ${applied.version} ${applied.description} (${applied.script}, ${applied.executionTimeMs} ms)\n`,
        );
      }
      const at =
        result.currentVersion === null ? 'no migrations' : `version ${result.currentVersion}`;
      io.out(
        result.upToDate
          ? `schema is up to date at ${at}, nothing to apply\n`
          : `schema is now at ${at}\n`,
      );
    });

  withCommonOptions(program.command('validate'))
    .description('check applied migrations against the files (checksums, missing files, order)')
    .action(async (raw: unknown) => {
      const result = await validate(resolve(raw));
      if (json) return io.out(`${JSON.stringify({ valid: true, ...result })}\n`);
      io.out(`valid: ${result.applied} applied, ${result.pending} pending\n`);
    });

  withCommonOptions(program.command('info'))
    .description(
      'list every migration with its state (applied, pending, missing, checksum-mismatch, ...)',
    )
    .action(async (raw: unknown) => {
      const statuses = await info(resolve(raw));
      if (json) return io.out(`${JSON.stringify({ migrations: statuses })}\n`);
      io.out(`${infoTable(statuses)}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // One line, and never the password, whatever the message quotes.
    const failure = describeFailure(error, url);
    // commander has already printed its own message (or the help) here.
    if (failure.alreadyPrinted) return failure.exitCode;
    const { code, message } = failure;
    if (json) io.out(`${JSON.stringify({ error: { code: code ?? null, message } })}\n`);
    io.err(`migrate: error${code ? ` [${code}]` : ''}: ${message}\n`);
    return failure.exitCode;
  }
}

export function infoTable(statuses: readonly MigrationStatus[]): string {
  if (statuses.length === 0) return 'no migrations found';
  const rows = statuses.map((status) => [
    status.version,
    status.description,
    status.type,
    status.installedOn?.slice(0, 19) ?? '',
    status.state,
    status.state === 'checksum-mismatch'
      ? `${status.appliedChecksum} (file ${status.checksum})`
      : String(status.checksum ?? status.appliedChecksum ?? ''),
  ]);
  return formatTable(['Version', 'Description', 'Type', 'Installed on', 'State', 'Checksum'], rows);
}

if (import.meta.main) {
  printWarningsOnOneLine('migrate');
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}
