// `apps/operator`: the command bus operator's CLI — the troubleshooting queue
// (list, retry, cancel, complete), commands, batches and queue figures.
import { Command } from 'commander';
import { runMain } from '@commandbus/cli';
import { batchCommand } from './batch.ts';
import { commandCommand } from './command.ts';
import { commandsCommand } from './commands.ts';
import { queuesCommand } from './queues.ts';
import { tsqCommand } from './tsq.ts';

const program = new Command('operator')
  .description('Inspect and repair a commandbus: troubleshooting queue, commands, batches, queues')
  .addHelpText(
    'after',
    '\nThe database comes from DATABASE_URL. Every subcommand takes --json for scripts.\n' +
      'Exit codes: 0 ok, 1 not found / wrong state / database unreachable, 2 usage.',
  )
  .exitOverride()
  .addCommand(tsqCommand())
  .addCommand(commandCommand())
  .addCommand(commandsCommand())
  .addCommand(batchCommand())
  .addCommand(queuesCommand());

await runMain('operator', async () => {
  await program.parseAsync();
});
