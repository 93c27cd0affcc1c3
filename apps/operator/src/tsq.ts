// `operator tsq …`: the troubleshooting queue of one domain — list it, and
// retry, cancel or complete its items.
import type { Command } from 'commander';
import {
  CommandBusError,
  type ResolveResult,
  type RetryManyResult,
  type TroubleshootingFilter,
} from '@commandbus/commandbus';
import { parseJsonObject, parseNonNegativeInt, UsageError } from '@commandbus/cli';
import {
  actorOption,
  group,
  subcommand,
  withOperator,
  type ActorOptions,
  type ConnectionOptions,
} from './connection.ts';
import { describeError, printJson, printLine, printTable, truncate } from './output.ts';
import { collectUuids, parseDomain, parseLimit, parseUuid } from './parsers.ts';

const DOMAIN_HELP = 'domain of the troubleshooting queue (required; there is no default)';

interface ListOptions extends ConnectionOptions {
  domain: string;
  type?: string;
  batch?: string;
  limit: number;
  offset: number;
}

interface RetryOptions extends ConnectionOptions, ActorOptions {
  domain: string;
  all: boolean;
  type?: string;
  batch?: string;
}

interface CancelOptions extends ConnectionOptions, ActorOptions {
  domain: string;
  reason: string;
}

interface CompleteOptions extends ConnectionOptions, ActorOptions {
  domain: string;
  data?: Record<string, unknown>;
}

export function tsqCommand(): Command {
  const tsq = group('tsq', 'the troubleshooting queue: list, retry, cancel, complete');
  tsq.addCommand(listCommand());
  tsq.addCommand(retryCommand());
  tsq.addCommand(cancelCommand());
  tsq.addCommand(completeCommand());
  return tsq;
}

function listCommand(): Command {
  return subcommand(
    'list',
    'list the items of the troubleshooting queue, oldest first, with their last error',
  )
    .requiredOption('--domain <domain>', DOMAIN_HELP, parseDomain)
    .option('--type <type>', 'only this command type')
    .option('--batch <id>', 'only commands of this batch', parseUuid)
    .option('--limit <n>', 'items per page (1-1000)', parseLimit, 50)
    .option('--offset <n>', 'items to skip', parseNonNegativeInt, 0)
    .action(async (options: ListOptions) => {
      const page = await withOperator(options, (operator) =>
        operator.listTroubleshooting({
          commandType: options.type,
          batchId: options.batch,
          limit: options.limit,
          offset: options.offset,
        }),
      );
      if (options.json) return printJson(page);
      if (page.total === 0) {
        return printLine(
          `the troubleshooting queue of domain ${options.domain} is empty${filterNote(options)}`,
        );
      }
      printTable(
        ['command id', 'type', 'batch', 'attempts', 'last error', 'since'],
        page.items.map((item) => [
          item.command.commandId,
          item.command.commandType,
          item.command.batchId ?? '',
          `${item.command.attempts}/${item.command.maxAttempts}`,
          truncate(describeError(item.lastError), 70),
          item.command.updatedAt,
        ]),
      );
      const shown =
        page.items.length === 0 ? 'none' : `${page.offset + 1}-${page.offset + page.items.length}`;
      printLine(
        `\n${shown} of ${page.total} in the troubleshooting queue of domain ${options.domain}${filterNote(options)}`,
      );
    });
}

function filterNote(options: { type?: string; batch?: string }): string {
  const parts = [
    options.type && `type ${options.type}`,
    options.batch && `batch ${options.batch}`,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function retryCommand(): Command {
  const command = subcommand(
    'retry',
    're-enqueue items as new messages (PENDING, attempts 0) from their archived payload',
  )
    .argument('[ids...]', 'command ids to retry', collectUuids)
    .requiredOption('--domain <domain>', DOMAIN_HELP, parseDomain)
    .option('--all', 'retry every item of the domain’s troubleshooting queue', false)
    .option('--type <type>', 'retry every item of this command type')
    .option('--batch <id>', 'retry every item of this batch', parseUuid)
    .addHelpText(
      'after',
      '\nGive ids, or a filter (--all, --type, --batch), not both. Exit 1 when a given id\n' +
        'was not retried (unknown, not in the troubleshooting queue, or no usable payload).',
    );
  return actorOption(command).action(async (ids: string[] | undefined, options: RetryOptions) => {
    const given = ids ?? [];
    const filtered = options.all || options.type !== undefined || options.batch !== undefined;
    if (given.length > 0 && filtered)
      throw new UsageError('tsq retry: give ids or a filter (--all, --type, --batch), not both');
    if (given.length === 0 && !filtered)
      throw new UsageError('tsq retry: give command ids, or --all, --type or --batch');

    if (given.length === 1 && given[0]) {
      const commandId = given[0];
      const result = await withOperator(options, (operator) => operator.retry(commandId));
      if (options.json) return printJson(result);
      return printLine(`retried ${result.commandId}: PENDING again as message ${result.msgId}`);
    }
    const filter: TroubleshootingFilter = { commandType: options.type, batchId: options.batch };
    const result = await withOperator(options, (operator) =>
      operator.retryMany(given.length > 0 ? { commandIds: given } : { filter }),
    );
    if (options.json) printJson(result);
    else printRetryMany(result);
    const missed = result.notFound + result.notInTroubleshooting + result.notRetryable;
    if (given.length > 0 && missed > 0) {
      throw new CommandBusError(
        'NOT_ALL_RETRIED',
        `${missed} of ${result.items.length} commands were not retried`,
      );
    }
  });
}

function printRetryMany(result: RetryManyResult): void {
  if (result.items.length === 0) return printLine('no items in the troubleshooting queue match');
  printTable(
    ['command id', 'outcome', 'detail'],
    result.items.map((item) => [
      item.commandId,
      item.outcome.replaceAll('_', ' '),
      item.msgId !== undefined ? `message ${item.msgId}` : (item.status ?? item.reason ?? ''),
    ]),
  );
  printLine(
    `\n${result.retried} retried, ${result.notInTroubleshooting} not in the troubleshooting queue, ` +
      `${result.notFound} not found, ${result.notRetryable} not retryable`,
  );
}

function cancelCommand(): Command {
  const command = subcommand('cancel', 'cancel an item: CANCELED, and reply CANCELED to its sender')
    .argument('<id>', 'command id', parseUuid)
    .requiredOption('--domain <domain>', DOMAIN_HELP, parseDomain)
    .requiredOption('--reason <text>', 'why (recorded in the audit trail and sent in the reply)');
  return actorOption(command).action(async (id: string, options: CancelOptions) => {
    if (options.reason.trim() === '')
      throw new UsageError('tsq cancel: --reason must not be empty');
    const result = await withOperator(options, (operator) => operator.cancel(id, options.reason));
    if (options.json) return printJson(result);
    printLine(`canceled ${result.commandId}${resolvedNote(result, 'CANCELED')}`);
  });
}

function completeCommand(): Command {
  const command = subcommand(
    'complete',
    'mark an item done: COMPLETED, and reply SUCCESS to its sender',
  )
    .argument('<id>', 'command id', parseUuid)
    .requiredOption('--domain <domain>', DOMAIN_HELP, parseDomain)
    .option('--data <json>', 'result data for the SUCCESS reply, a JSON object', parseJsonObject);
  return actorOption(command).action(async (id: string, options: CompleteOptions) => {
    const result = await withOperator(options, (operator) => operator.complete(id, options.data));
    if (options.json) return printJson(result);
    printLine(`completed ${result.commandId}${resolvedNote(result, 'SUCCESS')}`);
  });
}

function resolvedNote(result: ResolveResult, outcome: string): string {
  const reply = result.replyQueue
    ? `; reply ${outcome} sent to ${result.replyQueue}`
    : '; no reply requested';
  const batch = result.batchId
    ? `; batch ${result.batchId} ${result.batchCompleted ? 'is now complete' : 'not complete yet'}`
    : '';
  return `${reply}${batch}`;
}
