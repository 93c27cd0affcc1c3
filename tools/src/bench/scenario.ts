// What a scenario is: a name, the system it measures, and a function that
// runs it against a fresh database and returns what it measured.
// `floor` is not a product: it is the least SQL any command bus on V001 must
// run (see fixtures/floor.ts), the ceiling the commandbus rows are held to.
export const SYSTEMS = ['pgmq', 'commandbus', 'floor', 'pg-boss', 'graphile-worker'] as const;
export type System = (typeof SYSTEMS)[number];

export interface ScenarioContext {
  /** A database created for this scenario alone, empty. */
  readonly url: string;
  /**
   * Operations in the timed part: a drain's backlog after its warm-up, or a
   * fixed-size run's sends. Ignored by time-boxed sends (see `seconds`).
   */
  readonly count: number;
  /** Untimed operations first (for time-boxed sends: at most this many, see WARMUP_SECONDS). */
  readonly warmup: number;
  /** Time-boxed sends: send for this long after the warm-up, as many as fit. */
  readonly seconds?: number;
}

/**
 * How a scenario's size is chosen (see counts.ts): `send` runs time-boxed,
 * `drain` drains a pre-loaded backlog sized from a calibration run, `fixed`
 * runs at its own size whatever the machine (latency at a steady rate, the
 * 100k memory runs).
 */
export const SCENARIO_KINDS = ['send', 'drain', 'fixed'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface ScenarioOutcome {
  /** Operations in the timed section (messages, commands, jobs, or latency samples). */
  readonly count: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** Send → handler start, one per sample; only latency scenarios have them. */
  readonly latenciesMs?: readonly number[];
}

/**
 * A scenario runs in two processes, one after the other, on its own
 * database: `prepare` (schema, queues, pre-loaded messages; untimed) and then
 * `run` (the measured part). The pre-load's garbage and buffers thus never
 * count towards the measured process's peak RSS.
 */
export interface Scenario {
  readonly name: string;
  readonly system: System;
  readonly kind: ScenarioKind;
  readonly prepare: (context: ScenarioContext) => Promise<void>;
  /** Runs only when `--only` names it or with `--memory`. */
  readonly memory?: boolean;
  /** Runs with this many operations whatever `--count` says (the 100k memory scenarios). */
  readonly fixedCount?: number;
  readonly run: (context: ScenarioContext) => Promise<ScenarioOutcome>;
}

/** One row of the report, the shape of `results[]` in the JSON file. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly system: System;
  readonly count: number;
  readonly seconds: number;
  readonly per_s: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly peak_rss_mb: number;
  /**
   * Most client connections the scenario's processes held on its database at
   * once (sampled from pg_stat_activity every 20 ms during the run phase;
   * LISTEN connections not counted). null when not sampled.
   */
  readonly peak_connections: number | null;
}
