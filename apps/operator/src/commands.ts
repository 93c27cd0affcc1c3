// `operator commands list`: search commands by status, type, batch and creation time.
import { Option, type Command } from 'commander';
import { type CommandStatus } from '@commandbus/commandbus';
import { COMMAND_STATUSES } from '@commandbus/commandbus/internals';
import { parseNonNegativeInt } from '@commandbus/cli';
import { listCommandsOfEveryDomain } from '@commandbus/commandbus/internals';
import { group, subcommand, withDomainOrAll, type ConnectionOptions } from './connection.ts';
import { printJson, printLine, printTable } from './output.ts';
import { parseDomain, parseLimit, parseTime, parseUuid } from './parsers.ts';

interface ListOptions extends ConnectionOptions {
  domain?: string;
  status?: CommandStatus;
  type?: string;
  batch?: string;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

export function commandsCommand(): Command {
  const commands = group('commands', 'search commands');
  commands.addCommand(
    subcommand('list', 'list commands, newest first')
      .option('--domain <domain>', 'only this domain (default: every domain)', parseDomain)
      .addOption(new Option('--status <status>', 'only this status').choices(COMMAND_STATUSES))
      .option('--type <type>', 'only this command type')
      .option('--batch <id>', 'only commands of this batch', parseUuid)
      .option('--since <time>', 'created at or after this ISO-8601 time', parseTime)
      .option('--until <time>', 'created before this ISO-8601 time', parseTime)
      .option('--limit <n>', 'commands per page (1-1000)', parseLimit, 50)
      .option('--offset <n>', 'commands to skip', parseNonNegativeInt, 0)
      .action(async (options: ListOptions) => {
        const filter = {
          status: options.status,
          commandType: options.type,
          batchId: options.batch,
          createdAfter: options.since,
          createdBefore: options.until,
          limit: options.limit,
          offset: options.offset,
        };
        const rows = await withDomainOrAll(
          options,
          (operator) => operator.listCommands(filter),
          (pool) => listCommandsOfEveryDomain(pool, filter),
        );
        if (options.json) return printJson(rows);
        if (rows.length === 0) return printLine('no commands match');
        printTable(
          ['command id', 'domain', 'type', 'status', 'attempts', 'batch', 'created'],
          rows.map((c) => [
            c.commandId,
            c.domain,
            c.commandType,
            c.status,
            `${c.attempts}/${c.maxAttempts}`,
            c.batchId ?? '',
            c.createdAt,
          ]),
        );
        printLine(
          `\n${rows.length} commands (from offset ${options.offset}; --limit ${options.limit})`,
        );
      }),
  );
  return commands;
}
