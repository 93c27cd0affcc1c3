// How every CLI of the project ends: exit 0 on success; on failure one line on
// stderr, no stack trace, no password; exit 1 for errors of the command bus
// (not found, wrong state, database unreachable) and 2 for usage errors.
import { CommanderError } from 'commander';
import { CommandBusError, redactUrl } from '@commandbus/commandbus';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export async function runMain(program: string, main: () => Promise<void>): Promise<never> {
  printWarningsOnOneLine(program);
  try {
    await main();
    process.exit(EXIT.ok);
  } catch (error) {
    process.exit(reportFailure(program, error));
  }
}

/**
 * Node prints a process warning over as many lines as it has, and pg's notice
 * for `sslmode=require` has nine: a CLI's stderr keeps to one line per event.
 */
function printWarningsOnOneLine(program: string): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    process.stderr.write(`${program}: warning: ${warning.message.split('\n')[0]}\n`);
  });
}

export function reportFailure(program: string, error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError) {
    process.stderr.write(`${program}: ${error.message}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = stableCode(error);
  process.stderr.write(
    `${program}: ${redactSecrets(message.split('\n')[0] ?? message)}${code ? ` [${code}]` : ''}\n`,
  );
  return EXIT.failed;
}

/**
 * The machine-readable code of a typed error: every CommandBusError's, and
 * that of errors from libraries with codes of the same kind (the PGMQ
 * client's INVALID_QUEUE_NAME), so a script can tell failures apart.
 */
function stableCode(error: unknown): string | undefined {
  if (error instanceof CommandBusError) return error.code;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code) ? code : undefined;
}

/** Any postgres URL that slipped into a message loses its password. */
function redactSecrets(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/[^\s'"]+/g, (url) => redactUrl(url));
}

/** DATABASE_URL (or the --url given), or a usage error that says how to get one. */
export function requireDatabaseUrl(given?: string): string {
  const url = given ?? process.env.DATABASE_URL;
  if (!url) {
    throw new UsageError('DATABASE_URL is not set (start one with `npm run db`, or pass --url)');
  }
  return url;
}
