// `npm run chaos -- [--commands N] [--seconds S] [--json PATH] [--only NAME…]`:
// the reliability suite. Real worker processes, a real PostgreSQL
// that can be restarted; exit 1 when any scenario breaks a promise.
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import pg from 'pg';
import { openPool } from '@commandbus/commandbus';
import { parsePositiveInt, runMain, UsageError } from '@commandbus/cli';
import { reapStaleServers, startRestartableServer } from '@commandbus/embedded-postgres';
import { migrate } from '@commandbus/migrations';
import { CHAOS_SCHEMA_SQL } from './chaos-schema.ts';
import { scenarioReport, summaryTable, writeJsonReport, type ScenarioReport } from './report.ts';
import type { ScenarioContext } from './scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';

interface ChaosOptions {
  commands: number;
  seconds: number;
  json?: string;
  only?: string[];
}

const names = SCENARIOS.map((s) => s.name);
const program = new Command('chaos')
  .description(
    'Crash, restart, storm and race the command bus; check that nothing is lost or done twice',
  )
  .option(
    '--commands <n>',
    'commands per load scenario (kill9, db-restart; the storm uses up to 1,000)',
    parsePositiveInt,
    5_000,
  )
  .option(
    '--seconds <s>',
    'load window of the kill9 and db-restart scenarios',
    parsePositiveInt,
    40,
  )
  .option('--json <path>', 'also write the report as JSON')
  .addOption(new Option('--only <name...>', 'run only these scenarios').choices(names))
  .addHelpText(
    'after',
    `\nScenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.description}`).join('\n')}`,
  )
  .exitOverride();

async function main(): Promise<void> {
  program.parse();
  const options = program.opts<ChaosOptions>();
  const selected = SCENARIOS.filter((s) => !options.only || options.only.includes(s.name));
  if (selected.length === 0) throw new UsageError('no scenario selected');
  const say = (line: string) => console.log(line);
  const logDir = path.join(
    tmpdir(),
    `commandbus-chaos-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  await mkdir(logDir, { recursive: true });
  await reapStaleServers();

  const started = Date.now();
  // fsync off is safe here (only processes crash, never the machine);
  // synchronous_commit stays on, or an immediate shutdown could take back
  // commits that clients were already told about.
  const server = await startRestartableServer({
    disposable: true,
    settings: { synchronous_commit: 'on' },
  });
  const cleanups: (() => Promise<void>)[] = [];
  process.once('SIGINT', () => {
    void Promise.allSettled(cleanups.map((cleanup) => cleanup()))
      .then(() => server.dispose())
      .finally(() => process.exit(130));
  });
  const reports: ScenarioReport[] = [];
  try {
    const url = await createChaosDatabase(server.url);
    const pool = await openPool(url, { maximumPoolSize: 12 });
    say(`PostgreSQL on port ${server.port}; worker logs in ${logDir}`);
    const context: ScenarioContext = {
      url,
      pool,
      server,
      commands: options.commands,
      seconds: options.seconds,
      logDir,
      say,
      onAbort: (cleanup) => cleanups.push(cleanup),
    };
    try {
      for (const scenario of selected) {
        say(`${scenario.name}: ${scenario.description}`);
        const t0 = Date.now();
        const outcome = await scenario.run(context).catch((error: unknown) => ({
          commands: 0,
          executions: 0,
          effects: 0,
          lost: 0,
          duplicated_effects: 0,
          stuck: 0,
          overlaps: 0,
          kills: 0,
          restarts: 0,
          violations: [
            `the scenario itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          ],
        }));
        const report = scenarioReport(scenario.name, outcome, (Date.now() - t0) / 1_000);
        reports.push(report);
        say(`${scenario.name}: ${report.ok ? 'ok' : 'BROKEN'} in ${report.seconds} s`);
      }
    } finally {
      await pool.end();
    }
  } finally {
    await server.dispose();
  }
  say(`\n${summaryTable(reports)}\n\nwall time ${((Date.now() - started) / 1_000).toFixed(1)} s`);
  if (options.json)
    await writeJsonReport(
      path.resolve(process.env.INIT_CWD ?? process.cwd(), options.json),
      reports,
    );
  if (!reports.every((r) => r.ok))
    throw new ChaosFailure(reports.filter((r) => !r.ok).map((r) => r.name));
}

class ChaosFailure extends Error {
  constructor(scenarios: readonly string[]) {
    super(`promises broken in: ${scenarios.join(', ')}`);
    this.name = 'ChaosFailure';
  }
}

/** A database of its own, migrated, with the chaos tables beside the schema. */
async function createChaosDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE chaos');
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = '/chaos';
  await migrate({ url: url.toString() });
  const client = new pg.Client(url.toString());
  await client.connect();
  try {
    await client.query(CHAOS_SCHEMA_SQL);
  } finally {
    await client.end();
  }
  return url.toString();
}

await runMain('chaos', main);
