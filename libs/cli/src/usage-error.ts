// A command line the program cannot run (exit 2), as opposed to a command that
// ran and failed (exit 1). Code USAGE, under the same root as every other error.
import { CommandBusError } from '@commandbus/errors';

export class UsageError extends CommandBusError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
