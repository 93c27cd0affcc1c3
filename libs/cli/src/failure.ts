// How every CLI of the project turns an error into an exit code and one line:
// by class and code, never by guessing from the message or a foreign `code`.
import { CommanderError } from 'commander';
import { CommandBusError, redactSecrets } from '@commandbus/errors';
import { UsageError } from './usage-error.ts';

/** 0 ok; 1 the command ran and failed (not found, wrong state, database unreachable); 2 usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Failure {
  readonly exitCode: ExitCode;
  /** The CommandBusError's stable code (`USAGE` for a UsageError); none for any other error. */
  readonly code: string | undefined;
  /** The message on one line, with no password in it. */
  readonly message: string;
  /** commander has printed its own message (or the help) already: print nothing more. */
  readonly alreadyPrinted: boolean;
}

/**
 * `databaseUrl`, when the CLI knows it, also has its password removed
 * wherever it appears on its own (a driver error quoting its input).
 */
export function describeFailure(error: unknown, databaseUrl?: string): Failure {
  if (error instanceof CommanderError) {
    return {
      exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage,
      code: undefined,
      message: error.message,
      alreadyPrinted: true,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    exitCode: error instanceof UsageError ? EXIT.usage : EXIT.failed,
    code: error instanceof CommandBusError ? error.code : undefined,
    message: redactSecrets(text.replace(/\s*[\r\n]+\s*/g, ' ').trim(), databaseUrl),
    alreadyPrinted: false,
  };
}
