// What every scenario gets and gives back, and the ending they share: wait
// until everything settled (or a deadline passed), stop the workers, check.
import type { DatabasePool } from 'slonik';
import { pino } from 'pino';
import type { RestartableServer } from '@commandbus/embedded-postgres';
import { unsettled, verify, type Verdict, type VerifyInput } from './verify.ts';
import { waitUntil, WaitTimeoutError } from './wait-until.ts';
import type { WorkerFleet } from './worker-fleet.ts';

export interface ScenarioContext {
  readonly url: string;
  /** The driver's own pool: producers and checks. */
  readonly pool: DatabasePool;
  readonly server: RestartableServer;
  /** N: commands per load scenario. */
  readonly commands: number;
  /** S: the load window of the kill and restart scenarios. */
  readonly seconds: number;
  readonly logDir: string;
  say(line: string): void;
  /** Registers cleanup for an interrupted run (Ctrl-C). */
  onAbort(cleanup: () => Promise<void>): void;
}

export interface ScenarioOutcome extends Verdict {
  readonly kills: number;
  readonly restarts: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

export const silentLogger = pino({ level: 'silent' });

export interface Ending {
  readonly fleet: WorkerFleet;
  readonly verifyInput: VerifyInput;
  readonly settleTimeoutMs: number;
  /** Runs once everything settled, before the workers stop (e.g. ends a kill loop). */
  readonly beforeStop?: () => Promise<void>;
}

export async function settleAndVerify(context: ScenarioContext, ending: Ending): Promise<Verdict> {
  const { fleet, verifyInput } = ending;
  const problems: string[] = [];
  try {
    await waitUntil(async () => (await unsettled(context.pool, verifyInput)) === 0, {
      timeoutMs: ending.settleTimeoutMs,
      description: `${verifyInput.domain} to settle`,
      intervalMs: 250,
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    problems.push(error.message);
  }
  await ending.beforeStop?.();
  await fleet.stop();
  for (const exit of fleet.unexpectedExits) {
    const lastLine = exit.log.trim().split('\n').at(-1) ?? '';
    problems.push(
      `worker ${exit.worker} exited on its own (code ${exit.code}, signal ${exit.signal}): ${lastLine.slice(0, 300)}`,
    );
  }
  if (fleet.stoppedFromOutside > 0) {
    context.say(
      `  ${verifyInput.domain}: ${fleet.stoppedFromOutside} workers were stopped by a signal from outside the suite (restarted)`,
    );
  }
  const verdict = await verify(context.pool, verifyInput);
  return { ...verdict, violations: [...problems, ...verdict.violations] };
}
