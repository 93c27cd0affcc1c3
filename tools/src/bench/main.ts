// `npm run bench -- [--seconds S] [--durable] [--repeat N] [--json PATH] [--only NAME…] [--memory]`:
// commandbus side by side with raw PGMQ, pg-boss and graphile-worker on one
// PostgreSQL, each scenario in a fresh database and a process of its own
// (docs/benchmarks.md). Prints a line per scenario, then the table.
import { Command } from 'commander';
import { parsePositiveInt, runMain, UsageError } from '@commandbus/cli';
import { redactUrl } from '@commandbus/commandbus/internals';
import { runBench, type BenchOptions } from './bench-run.ts';
import { TARGET_SECONDS } from './counts.ts';
import { SCENARIOS } from './scenarios.ts';

const program = new Command('bench')
  .description(
    'Throughput, latency and memory of commandbus next to raw PGMQ, pg-boss and graphile-worker',
  )
  .option(
    '--seconds <n>',
    "length of each throughput scenario's timed part (sends are time-boxed, drains sized by a calibration run)",
    parsePositiveInt,
    TARGET_SECONDS,
  )
  .option(
    '--count <n>',
    'a fixed number of operations per throughput scenario instead (quick checks; no calibration)',
    parsePositiveInt,
  )
  .option(
    '--durable',
    'fsync, synchronous_commit and full_page_writes on for the whole run (with DATABASE_URL: required on)',
  )
  .option(
    '--repeat <n>',
    'runs of every scenario, round after round; the table and JSON keep each median run',
    parsePositiveInt,
    1,
  )
  .option('--json <path>', 'also write the results as JSON (machine, versions, results[])')
  .option('--only <names...>', 'run only these scenarios (memory scenarios included when named)')
  .option('--memory', 'add the 100k memory scenarios to the run')
  .option('--list', 'list the scenarios and exit')
  .addHelpText(
    'after',
    `\nUses DATABASE_URL when set (its role needs CREATEDB), else an embedded PostgreSQL 18.\nScenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`,
  )
  .exitOverride();

interface CliOptions {
  readonly seconds: number;
  readonly count?: number;
  readonly durable?: boolean;
  readonly repeat: number;
  readonly json?: string;
  readonly only?: string[];
  readonly memory?: boolean;
  readonly list?: boolean;
}

function selectScenarios(options: CliOptions): BenchOptions['scenarios'] {
  if (!options.only) return SCENARIOS.filter((s) => !s.memory || options.memory);
  const unknown = options.only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario ${unknown.join(', ')} (see --list)`);
  }
  // Run order stays the registry's, whatever order --only names them in.
  return SCENARIOS.filter((s) => options.only?.includes(s.name) || (s.memory && options.memory));
}

await runMain('bench', async () => {
  await program.parseAsync();
  const options = program.opts<CliOptions>();
  if (options.list) {
    for (const s of SCENARIOS)
      console.log(`${s.name}${s.memory ? '  (memory: --memory or --only)' : ''}`);
    return;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) console.log(`using DATABASE_URL ${redactUrl(databaseUrl)}`);
  const failures = await runBench({
    scenarios: selectScenarios(options),
    count: options.count,
    seconds: options.seconds,
    durable: options.durable ?? false,
    repeat: options.repeat,
    databaseUrl,
    jsonPath: options.json,
  });
  if (failures > 0) throw new Error(`${failures} scenario(s) failed; see above`);
});
