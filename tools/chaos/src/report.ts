// The suite's report: JSON for machines (per-scenario counts, plus the
// violations found) and an aligned table for people.
import { writeFile } from 'node:fs/promises';
import { formatTable } from '@commandbus/cli';
import type { ScenarioOutcome } from './scenario.ts';

export interface ScenarioReport {
  readonly name: string;
  readonly commands: number;
  readonly kills: number;
  readonly restarts: number;
  readonly executions: number;
  readonly effects: number;
  readonly lost: number;
  readonly duplicated_effects: number;
  readonly stuck: number;
  readonly seconds: number;
  readonly overlaps: number;
  readonly ok: boolean;
  readonly violations: readonly string[];
}

export function scenarioReport(
  name: string,
  outcome: ScenarioOutcome,
  seconds: number,
): ScenarioReport {
  const ok =
    outcome.violations.length === 0 &&
    outcome.lost === 0 &&
    outcome.duplicated_effects === 0 &&
    outcome.stuck === 0;
  return {
    name,
    commands: outcome.commands,
    kills: outcome.kills,
    restarts: outcome.restarts,
    executions: outcome.executions,
    effects: outcome.effects,
    lost: outcome.lost,
    duplicated_effects: outcome.duplicated_effects,
    stuck: outcome.stuck,
    seconds: Math.round(seconds * 10) / 10,
    overlaps: outcome.overlaps,
    ok,
    violations: outcome.violations,
  };
}

export function summaryTable(scenarios: readonly ScenarioReport[]): string {
  const rows = scenarios.map((s) => [
    s.name,
    s.commands,
    s.kills,
    s.restarts,
    s.executions,
    s.effects,
    s.lost,
    s.duplicated_effects,
    s.stuck,
    s.seconds.toFixed(1),
    s.ok ? 'ok' : 'BROKEN',
  ]);
  const total = (pick: (s: ScenarioReport) => number) =>
    scenarios.reduce((sum, s) => sum + pick(s), 0);
  rows.push([
    'total',
    total((s) => s.commands),
    total((s) => s.kills),
    total((s) => s.restarts),
    total((s) => s.executions),
    total((s) => s.effects),
    total((s) => s.lost),
    total((s) => s.duplicated_effects),
    total((s) => s.stuck),
    total((s) => s.seconds).toFixed(1),
    scenarios.every((s) => s.ok) ? 'ok' : 'BROKEN',
  ]);
  const table = formatTable(
    [
      'scenario',
      'commands',
      'kills',
      'restarts',
      'executions',
      'effects',
      'lost',
      'dup_effects',
      'stuck',
      'seconds',
      'result',
    ],
    rows,
  );
  const broken = scenarios.flatMap((s) => s.violations.map((v) => `  ${s.name}: ${v}`));
  return broken.length > 0 ? `${table}\n\nbroken promises:\n${broken.join('\n')}` : table;
}

export async function writeJsonReport(
  file: string,
  scenarios: readonly ScenarioReport[],
): Promise<void> {
  await writeFile(file, `${JSON.stringify({ scenarios }, null, 2)}\n`);
}
