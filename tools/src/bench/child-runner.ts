// Parent side of a scenario run: starts `run-scenario.ts` for one phase in a
// process of its own, on the same Node, and waits for its one report.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHILD_ENV, type Phase, type ScenarioReport } from './child-protocol.ts';
import type { Plan } from './counts.ts';
import type { ScenarioResult } from './scenario.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./run-scenario.ts', import.meta.url));

export class ScenarioFailedError extends Error {
  constructor(scenario: string, reason: string) {
    super(`${scenario} failed: ${reason}`);
    this.name = 'ScenarioFailedError';
  }
}

const running = new Set<ChildProcess>();

export interface ChildRun {
  readonly scenario: string;
  readonly phase: Phase;
  readonly url: string;
  readonly plan: Plan;
  /** The child is killed past this; a healthy scenario finishes well within it. */
  readonly timeoutMs: number;
}

/** Resolves with the phase's result (`run` has one, `prepare` none). */
export function runPhaseInChild(run: ChildRun): Promise<ScenarioResult | undefined> {
  const child = fork(CHILD_ENTRY, [], {
    execPath: process.execPath,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      [CHILD_ENV.scenario]: run.scenario,
      [CHILD_ENV.phase]: run.phase,
      [CHILD_ENV.url]: run.url,
      [CHILD_ENV.count]: String(run.plan.count),
      [CHILD_ENV.warmup]: String(run.plan.warmup),
      [CHILD_ENV.seconds]: run.plan.seconds === undefined ? '' : String(run.plan.seconds),
    },
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    let report: ScenarioReport | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new ScenarioFailedError(
          run.scenario,
          `${run.phase}: no result within ${Math.round(run.timeoutMs / 1000)} s`,
        ),
      );
    }, run.timeoutMs);
    child.on('message', (message) => {
      report = message as ScenarioReport;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new ScenarioFailedError(run.scenario, error.message));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (report?.ok) resolve(report.result);
      else if (report)
        reject(new ScenarioFailedError(run.scenario, `${run.phase}: ${report.error}`));
      else
        reject(
          new ScenarioFailedError(
            run.scenario,
            `${run.phase}: exited (${signal ?? `code ${code}`}) without a result`,
          ),
        );
    });
  });
}

/** Ctrl-C: end the scenario processes this run started. */
export function killRunningChildren(): void {
  for (const child of running) child.kill('SIGTERM');
}
