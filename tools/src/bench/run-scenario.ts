// Child-process entry: runs one phase of one scenario (prepare or run) and
// reports to the parent over IPC. A process per phase gives each run its own
// peak RSS and keeps set-up, pre-load and other systems out of its numbers.
import { percentile } from './measure.ts';
import { findScenario } from './scenarios.ts';
import { CHILD_ENV, PHASES, type Phase, type ScenarioReport } from './child-protocol.ts';
import type { Scenario, ScenarioOutcome, ScenarioResult } from './scenario.ts';

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function toResult(scenario: Scenario, outcome: ScenarioOutcome): ScenarioResult {
  const latencies = outcome.latenciesMs;
  return {
    scenario: scenario.name,
    system: scenario.system,
    count: outcome.count,
    seconds: round(outcome.seconds, 3),
    per_s: round(outcome.count / outcome.seconds, 1),
    p50_ms: latencies ? round(percentile(latencies, 50), 2) : null,
    p99_ms: latencies ? round(percentile(latencies, 99), 2) : null,
    peak_rss_mb: round(outcome.peakRssMb, 1),
  };
}

function isPhase(value: string | undefined): value is Phase {
  return (PHASES as readonly (string | undefined)[]).includes(value);
}

async function runFromEnvironment(): Promise<ScenarioReport> {
  const name = process.env[CHILD_ENV.scenario] ?? '';
  const url = process.env[CHILD_ENV.url] ?? '';
  const count = Number(process.env[CHILD_ENV.count]);
  const phase = process.env[CHILD_ENV.phase];
  const scenario = findScenario(name);
  if (!scenario || !url || !Number.isInteger(count) || count < 1 || !isPhase(phase)) {
    return {
      ok: false,
      error: `bad child environment: scenario ${JSON.stringify(name)}, phase ${phase}, count ${count}`,
    };
  }
  try {
    if (phase === 'prepare') {
      await scenario.prepare({ url, count });
      return { ok: true };
    }
    return { ok: true, result: toResult(scenario, await scenario.run({ url, count })) };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

const send = process.send?.bind(process);
if (!send) {
  console.error('run-scenario.ts is started by main.ts (npm run bench), not directly');
  process.exit(2);
}
const report = await runFromEnvironment();
// Exit explicitly: a library's stray timer must not keep the run waiting.
send(report, undefined, {}, () => process.exit(report.ok ? 0 : 1));
