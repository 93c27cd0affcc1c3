// What passes between `main.ts` and a scenario's own processes.
import type { ScenarioResult } from './scenario.ts';

/** Set by the parent; the URL travels in the environment, not argv, so `ps` never shows it. */
export const CHILD_ENV = {
  scenario: 'BENCH_SCENARIO',
  phase: 'BENCH_PHASE',
  url: 'BENCH_DATABASE_URL',
  count: 'BENCH_COUNT',
  warmup: 'BENCH_WARMUP',
  /** Empty unless the scenario is time-boxed. */
  seconds: 'BENCH_SECONDS',
} as const;

/** `prepare` sets the database up (untimed); `run` measures. Each in a process of its own. */
export const PHASES = ['prepare', 'run'] as const;
export type Phase = (typeof PHASES)[number];

/** The one IPC message a scenario process sends before it exits; `run` carries the result. */
export type ScenarioReport =
  | { readonly ok: true; readonly result?: ScenarioResult }
  | { readonly ok: false; readonly error: string };
