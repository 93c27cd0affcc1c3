// The end of a run: the aligned results table with its ratio columns, the
// performance targets met or missed, and the JSON file.
import { writeFile } from 'node:fs/promises';
import { formatTable } from '@commandbus/cli';
import type { Machine, Versions } from './environment.ts';
import type { ScenarioResult } from './scenario.ts';
import { DRAIN_PEER, LATENCY_TARGETS, pgmqCounterpart, RATIO_TARGETS } from './targets.ts';

export interface BenchReport {
  readonly machine: Machine;
  readonly versions: Versions;
  /** Runs of every scenario; `results` has each one's median run. */
  readonly repeat: number;
  readonly results: readonly ScenarioResult[];
}

function ratio(
  results: readonly ScenarioResult[],
  scenario: string,
  versus: string | undefined,
): number | undefined {
  if (!versus) return undefined;
  const mine = results.find((r) => r.scenario === scenario);
  const theirs = results.find((r) => r.scenario === versus);
  return mine && theirs && theirs.per_s > 0 ? mine.per_s / theirs.per_s : undefined;
}

function times(value: number | undefined): string {
  return value === undefined ? '' : `${value.toFixed(2)}×`;
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '' : value.toFixed(digits);
}

/** The rows held against DRAIN_PEER: commandbus's drains and their floors. */
function isDrain(scenario: string): boolean {
  return scenario.startsWith('commandbus.e2e.') || scenario.startsWith('floor.drain.');
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
    times(ratio(results, r.scenario, pgmqCounterpart(r.scenario))),
    isDrain(r.scenario) ? times(ratio(results, r.scenario, DRAIN_PEER)) : '',
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
      '× pgmq',
      '× gw.batched',
    ],
    rows,
  );
}

export function formatTargets(results: readonly ScenarioResult[]): string {
  const rows: unknown[][] = [];
  for (const target of RATIO_TARGETS) {
    const value = ratio(results, target.scenario, target.versus);
    rows.push([
      `${target.scenario} / ${target.versus}`,
      value === undefined ? 'not run' : times(value),
      times(ratio(results, target.floor, target.versus)),
      `≥ ${target.atLeast.toFixed(1)}×`,
      value === undefined ? '' : value >= target.atLeast ? 'yes' : 'NO',
    ]);
  }
  for (const target of LATENCY_TARGETS) {
    const p50 = results.find((r) => r.scenario === target.scenario)?.p50_ms ?? undefined;
    rows.push([
      `${target.scenario} p50`,
      p50 === undefined ? 'not run' : `${p50.toFixed(1)} ms`,
      '',
      `≤ ${target.p50AtMostMs} ms`,
      p50 === undefined ? '' : p50 <= target.p50AtMostMs ? 'yes' : 'NO',
    ]);
  }
  return `${formatTable(['target', 'measured', 'ceiling', 'required', 'met'], rows)}
ceiling: the same ratio for the floor.* scenario, which runs only the writes the contracts require`;
}

export async function writeJsonReport(file: string, report: BenchReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
