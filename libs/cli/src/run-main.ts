// How the project's programs end: exit 0 on success; on failure one line on
// stderr (`program: message [CODE]`), no stack trace, no password, and the
// exit code describeFailure gives.
import { describeFailure, EXIT } from './failure.ts';

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
export function printWarningsOnOneLine(program: string): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    process.stderr.write(`${program}: warning: ${warning.message.split('\n')[0]}\n`);
  });
}

/**
 * Prints the failure and returns its exit code. A failed command's line ends
 * in its `[CODE]` so a script can tell failures apart; a usage error's line
 * is the message alone, which says what to type instead.
 */
export function reportFailure(program: string, error: unknown): number {
  const failure = describeFailure(error);
  if (failure.alreadyPrinted) return failure.exitCode;
  const code = failure.exitCode === EXIT.failed && failure.code ? ` [${failure.code}]` : '';
  process.stderr.write(`${program}: ${failure.message}${code}\n`);
  return failure.exitCode;
}
