// `operator command show <id>`: one command with its whole audit trail.
import type { Command } from 'commander';
import { group, subcommand, withOperator, type ConnectionOptions } from './connection.ts';
import { describeError, printAuditTrail, printFields, printJson, printLine } from './output.ts';
import { parseDomain, parseUuid } from './parsers.ts';

interface ShowOptions extends ConnectionOptions {
  domain: string;
}

export function commandCommand(): Command {
  const command = group('command', 'one command');
  command.addCommand(
    subcommand('show', 'show a command, its last error, archived payload and whole audit trail')
      .argument('<id>', 'command id', parseUuid)
      .requiredOption(
        '--domain <domain>',
        'domain of the command (required; there is no default)',
        parseDomain,
      )
      .action(async (id: string, options: ShowOptions) => {
        const details = await withOperator(options, (operator) => operator.getCommand(id));
        if (options.json) return printJson(details);
        const c = details.command;
        printFields([
          ['command', c.commandId],
          ['domain', c.domain],
          ['type', c.commandType],
          ['status', c.status],
          ['attempts', `${c.attempts} of ${c.maxAttempts}`],
          ['msg id', c.msgId],
          ['queue', c.queueName],
          ['batch', c.batchId],
          ['correlation', c.correlationId],
          ['reply queue', c.replyQueue],
          ['created', c.createdAt],
          ['updated', c.updatedAt],
          ['last error', describeError(details.lastError)],
          ['archived payload', details.archivedPayload],
        ]);
        printLine();
        printAuditTrail(details.auditTrail);
      }),
  );
  return command;
}
