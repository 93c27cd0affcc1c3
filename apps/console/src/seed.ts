// `npm run console:seed -- --commands 1000000`: fills DATABASE_URL's database
// with commands, audit rows, batches and messages for the console.
import { Command } from 'commander';
import { openPool } from '@commandbus/commandbus';
import { parsePositiveInt, requireDatabaseUrl, runMain } from '@commandbus/cli';
import { migrate } from '@commandbus/migrations';
import { seedConsoleData } from './seed-data.ts';

const program = new Command('console:seed')
  .description('Fill a database (DATABASE_URL) with commands for the console, set-based, in chunks')
  .option('--commands <n>', 'commands to add', parsePositiveInt, 1_000_000)
  .option('--days <n>', 'spread of creation times back from now', parsePositiveInt, 30)
  .option('--url <url>', 'database URL (default DATABASE_URL)')
  .exitOverride();

await runMain('console:seed', async () => {
  program.parse();
  const options = program.opts<{ commands: number; days: number; url?: string }>();
  const url = requireDatabaseUrl(options.url);
  await migrate({ url });
  const pool = await openPool(url, { maximumPoolSize: 2 });
  const started = performance.now();
  try {
    await seedConsoleData(pool, {
      commands: options.commands,
      days: options.days,
      onProgress: (n) => process.stdout.write(`\rseeded ${n.toLocaleString('en')} commands`),
    });
  } finally {
    await pool.end();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\ndone in ${seconds} s (domains bench and billing)`);
});
