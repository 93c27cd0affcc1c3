// `operator batch show <id>` and `operator batch list`: batches with their counters.
import { Option, type Command } from 'commander';
import { type BatchStatus } from '@commandbus/commandbus';
import { BATCH_STATUSES } from '@commandbus/commandbus/internals';
import { parseNonNegativeInt } from '@commandbus/cli';
import { listBatchesOfEveryDomain } from '@commandbus/commandbus/internals';
import {
  group,
  subcommand,
  withDomainOrAll,
  withOperator,
  type ConnectionOptions,
} from './connection.ts';
import { printAuditTrail, printFields, printJson, printLine, printTable } from './output.ts';
import { parseDomain, parseLimit, parseUuid } from './parsers.ts';

interface ShowOptions extends ConnectionOptions {
  domain: string;
}

interface ListOptions extends ConnectionOptions {
  domain?: string;
  status?: BatchStatus;
  limit: number;
  offset: number;
}

export function batchCommand(): Command {
  const batch = group('batch', 'batches and their counters');
  batch.addCommand(showCommand());
  batch.addCommand(listCommand());
  return batch;
}

function showCommand(): Command {
  return subcommand('show', 'show a batch: status, counters, times and its audit events')
    .argument('<id>', 'batch id', parseUuid)
    .requiredOption(
      '--domain <domain>',
      'domain of the batch (required; there is no default)',
      parseDomain,
    )
    .action(async (id: string, options: ShowOptions) => {
      const details = await withOperator(options, (operator) => operator.getBatch(id));
      if (options.json) return printJson(details);
      const b = details.batch;
      printFields([
        ['batch', b.batchId],
        ['domain', b.domain],
        ['name', b.name],
        ['status', b.status],
        ['type', b.batchType],
        ['total', b.totalCount],
        ['completed', b.completedCount],
        ['canceled', b.canceledCount],
        ['failed', b.failedCount],
        ['in troubleshooting', b.inTroubleshootingCount],
        ['created', b.createdAt],
        ['started', b.startedAt],
        ['completed at', b.completedAt],
        ['custom data', b.customData],
      ]);
      printLine();
      printAuditTrail(details.auditTrail);
    });
}

function listCommand(): Command {
  return subcommand('list', 'list batches, newest first')
    .option('--domain <domain>', 'only this domain (default: every domain)', parseDomain)
    .addOption(new Option('--status <status>', 'only this status').choices(BATCH_STATUSES))
    .option('--limit <n>', 'batches per page (1-1000)', parseLimit, 50)
    .option('--offset <n>', 'batches to skip', parseNonNegativeInt, 0)
    .action(async (options: ListOptions) => {
      const filter = { status: options.status, limit: options.limit, offset: options.offset };
      const rows = await withDomainOrAll(
        options,
        (operator) => operator.listBatches(filter),
        (pool) => listBatchesOfEveryDomain(pool, filter),
      );
      if (options.json) return printJson(rows);
      if (rows.length === 0) return printLine('no batches match');
      printTable(
        [
          'batch id',
          'domain',
          'name',
          'status',
          'total',
          'completed',
          'canceled',
          'failed',
          'in tsq',
          'created',
        ],
        rows.map((b) => [
          b.batchId,
          b.domain,
          b.name ?? '',
          b.status,
          b.totalCount,
          b.completedCount,
          b.canceledCount,
          b.failedCount,
          b.inTroubleshootingCount,
          b.createdAt,
        ]),
      );
    });
}
