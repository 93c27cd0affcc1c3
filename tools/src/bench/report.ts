// The end of a run: the aligned results table with its ratio columns, the
// performance targets met or missed, and the JSON file.
import { writeFile } from 'node:fs/promises';
import { formatTable } from '@commandbus/cli';
import type { DurabilitySettings, Machine, Versions } from './environment.ts';
import type { ScenarioResult } from './scenario.ts';
import { floorCounterpart, pgmqCounterpart, rateRatio, type TargetOutcome } from './targets.ts';

export interface BenchReport {
  readonly machine: Machine;
  readonly versions: Versions;
  /** The server's durability settings during the run (`--durable` turns them on). */
  readonly durable: boolean;
  readonly settings: DurabilitySettings;
  /** How long each throughput scenario's timed part was sized to last. */
  readonly target_seconds: number;
  /** Runs of every scenario; `results` has each one's median run. */
  readonly repeat: number;
  readonly results: readonly ScenarioResult[];
  readonly targets: readonly JsonTarget[];
}

export interface JsonTarget {
  readonly target: string;
  readonly statement: string;
  readonly measured: number | null;
  readonly required: string;
  readonly met: boolean | null;
}

function times(value: number | undefined): string {
  return value === undefined ? '' : `${value.toFixed(2)}×`;
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '' : value.toFixed(digits);
}

export function formatResults(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    r.system,
    r.count,
    r.seconds.toFixed(2),
    Math.round(r.per_s),
    fixed(r.p50_ms, 1),
    fixed(r.p99_ms, 1),
    r.peak_rss_mb.toFixed(0),
    r.peak_connections ?? '',
    times(rateRatio(results, r.scenario, floorCounterpart(r.scenario))),
    times(rateRatio(results, r.scenario, pgmqCounterpart(r.scenario))),
  ]);
  return formatTable(
    [
      'scenario',
      'system',
      'count',
      'seconds',
      'per_s',
      'p50_ms',
      'p99_ms',
      'peak_rss_mb',
      'conns',
      '× floor',
      '× pgmq',
    ],
    rows,
  );
}

function measured(outcome: TargetOutcome): string {
  if (outcome.value === null) return 'not run';
  switch (outcome.target.kind) {
    case 'ratio':
      return times(outcome.value);
    case 'latency':
      return `${outcome.value.toFixed(1)} ms`;
    case 'connections':
      return String(outcome.value);
  }
}

export function formatTargets(outcomes: readonly TargetOutcome[]): string {
  return formatTable(
    ['target', 'measured', 'required', 'met', 'promise'],
    outcomes.map((o) => [
      o.name,
      measured(o),
      o.required,
      o.met === null ? '' : o.met ? 'yes' : 'NO',
      o.target.statement,
    ]),
  );
}

export function jsonTargets(outcomes: readonly TargetOutcome[]): JsonTarget[] {
  return outcomes.map((o) => ({
    target: o.name,
    statement: o.target.statement,
    measured: o.value === null ? null : Math.round(o.value * 1000) / 1000,
    required: o.required,
    met: o.met,
  }));
}

export async function writeJsonReport(file: string, report: BenchReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
