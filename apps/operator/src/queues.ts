// `operator queues`: PGMQ's figures for every queue (pgmq.metrics_all).
import type { Command } from 'commander';
import { queueFiguresOfEveryDomain } from '@commandbus/commandbus/internals';
import { subcommand, withDomainOrAll, type ConnectionOptions } from './connection.ts';
import { printJson, printLine, printTable } from './output.ts';
import { parseDomain } from './parsers.ts';

interface QueuesOptions extends ConnectionOptions {
  domain?: string;
}

export function queuesCommand(): Command {
  return subcommand('queues', 'queue lengths and message ages from pgmq.metrics_all')
    .option('--domain <domain>', "only this domain's queues (default: every queue)", parseDomain)
    .action(async (options: QueuesOptions) => {
      const figures = await withDomainOrAll(
        options,
        (operator) => operator.queueFigures(),
        (pool) => queueFiguresOfEveryDomain(pool),
      );
      if (options.json) return printJson(figures);
      if (figures.length === 0) return printLine('no queues');
      printTable(
        ['queue', 'length', 'visible', 'oldest (s)', 'newest (s)', 'total sent'],
        figures.map((q) => [
          q.queueName,
          q.queueLength,
          q.queueVisibleLength,
          q.oldestMsgAgeSec ?? '',
          q.newestMsgAgeSec ?? '',
          q.totalMessages,
        ]),
      );
    });
}
