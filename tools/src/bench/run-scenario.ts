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
    // Sampled by the parent, which fills it in.
    peak_connections: null,
  };
}

function isPhase(value: string | undefined): value is Phase {
  return (PHASES as readonly (string | undefined)[]).includes(value);
}

async function runFromEnvironment(): Promise<ScenarioReport> {
  const name = process.env[CHILD_ENV.scenario] ?? '';
  const url = process.env[CHILD_ENV.url] ?? '';
  const count = Number(process.env[CHILD_ENV.count]);
  const warmup = Number(process.env[CHILD_ENV.warmup]);
  const secondsText = process.env[CHILD_ENV.seconds] ?? '';
  const seconds = secondsText === '' ? undefined : Number(secondsText);
  const phase = process.env[CHILD_ENV.phase];
  const scenario = findScenario(name);
  const isCount = (n: number) => Number.isInteger(n) && n >= 0;
  if (
    !scenario ||
    !url ||
    !isCount(count) ||
    !isCount(warmup) ||
    (seconds !== undefined && !(seconds > 0)) ||
    !isPhase(phase)
  ) {
    return {
      ok: false,
      error: `bad child environment: scenario ${JSON.stringify(name)}, phase ${phase}, count ${count}, warmup ${warmup}, seconds ${secondsText}`,
    };
  }
  const context = { url, count, warmup, ...(seconds === undefined ? {} : { seconds }) };
  try {
    if (phase === 'prepare') {
      await scenario.prepare(context);
      return { ok: true };
    }
    return { ok: true, result: toResult(scenario, await scenario.run(context)) };
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
