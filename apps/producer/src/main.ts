// `apps/producer`: sends commands from flags or from a JSON-lines file, on
// the producer API. Without a schema of its own, it sends `data` as given.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { z } from 'zod';
import { defineCommand, openPool, Producer, type BatchItem } from '@commandbus/commandbus';
import { DOMAIN_PATTERN } from '@commandbus/commandbus/internals';
import {
  parseJsonObject,
  patternParser,
  requireDatabaseUrl,
  runMain,
  UsageError,
} from '@commandbus/cli';

const parseDomain = patternParser(DOMAIN_PATTERN, 'a domain');

const anyData = z.record(z.string(), z.unknown());

const lineSchema = z.object({
  command_type: z.string(),
  data: anyData.default({}),
  command_id: z.string().optional(),
  correlation_id: z.string().nullable().optional(),
  reply_to: z.string().nullable().optional(),
});

function item(type: string, input: BatchItem['input']): BatchItem {
  return { command: defineCommand({ type, data: anyData }), input };
}

function parseLines(text: string, file: string): BatchItem[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new UsageError(`${file}:${number}: not JSON`);
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) {
        throw new UsageError(
          `${file}:${number}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        );
      }
      const { command_type, data, command_id, correlation_id, reply_to } = parsed.data;
      return item(command_type, {
        data,
        ...(command_id ? { commandId: command_id } : {}),
        correlationId: correlation_id ?? null,
        replyTo: reply_to ?? null,
      });
    });
}

interface SendOptions {
  domain: string;
  type?: string;
  data: Record<string, unknown>;
  commandId?: string;
  correlationId?: string;
  replyTo?: string;
  reply: boolean;
  file?: string;
  json: boolean;
  url?: string;
}

const program = new Command('producer').description('Send commandbus commands').exitOverride();

program
  .command('send')
  .description('send one command from flags, or many from a JSON-lines file (--file)')
  .requiredOption('--domain <domain>', 'domain to send in', parseDomain)
  .option('--type <type>', 'command type (with flags)')
  .option('--data <json>', 'command data as a JSON object', parseJsonObject, {})
  .option('--command-id <uuid>', 'idempotency key (default: a new UUID)')
  .option('--correlation-id <uuid>', 'correlation id')
  .option('--reply-to <queue>', 'reply queue')
  .option('--reply', "reply to the domain's reply queue", false)
  .option(
    '--file <path>',
    'JSON lines: {"command_type", "data", "command_id"?, "correlation_id"?, "reply_to"?}',
  )
  .option('--json', 'print results as JSON', false)
  .addOption(new Option('--url <url>', 'database URL').env('DATABASE_URL').hideHelp())
  .exitOverride()
  .action(async (options: SendOptions) => {
    let items: BatchItem[];
    if (options.file) {
      items = parseLines(await readFile(options.file, 'utf8'), options.file);
    } else if (options.type) {
      items = [
        item(options.type, {
          data: options.data,
          ...(options.commandId ? { commandId: options.commandId } : {}),
          correlationId: options.correlationId ?? null,
          replyTo: options.replyTo ?? (options.reply ? true : null),
        }),
      ];
    } else {
      throw new UsageError('give --type (one command) or --file (JSON lines)');
    }
    const pool = await openPool(requireDatabaseUrl(options.url));
    try {
      // Library log lines (a duplicate ignored) go to stderr: stdout is the
      // command's result, and with --json a script parses all of it.
      const logger = pino(
        { name: 'commandbus', level: process.env.LOG_LEVEL ?? 'info' },
        pino.destination(2),
      );
      const producer = new Producer({ pool, domain: options.domain, logger });
      const results = await producer.sendBatch(items);
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else {
        for (const r of results)
          console.log(
            `${r.commandId}  ${r.duplicate ? 'duplicate, not sent again' : `sent as message ${r.msgId}`}`,
          );
        console.log(
          `${results.filter((r) => !r.duplicate).length} sent, ${results.filter((r) => r.duplicate).length} duplicates`,
        );
      }
    } finally {
      await pool.end();
    }
  });

await runMain('producer', async () => {
  await program.parseAsync();
});
