// Where each planned command must end: made to fail → troubleshooting queue
// without an effect; anything else → COMPLETED with exactly one effect.
import type { Expectation } from '../verify.ts';
import type { PlannedCommand } from '../workload.ts';

export function expectationsOf(commands: readonly PlannedCommand[]): Map<string, Expectation> {
  return new Map(
    commands.map((command) => [
      command.commandId,
      command.failPermanently
        ? { status: 'IN_TROUBLESHOOTING_QUEUE', effect: false }
        : { status: 'COMPLETED', effect: true },
    ]),
  );
}
