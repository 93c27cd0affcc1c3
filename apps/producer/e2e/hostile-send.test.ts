// `producer send` given hostile input: one line naming the typed error code,
// exit 1 (2 for usage), no stack, and no command, message or audit row written.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'slonik';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { runCli, useTestDatabase } from '@commandbus/testing';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'hostile-send-'));
const compileCache = path.join(scratch, 'compile-cache');

/** A JSON-lines file with one command whose data is just over the default 1 MiB limit. */
function oversizedFile(): string {
  const file = path.join(scratch, 'oversized.jsonl');
  writeFileSync(
    file,
    `${JSON.stringify({ command_type: 'hostile.Blob', data: { x: 'y'.repeat(1_048_576) } })}\n`,
  );
  return file;
}

/** The good send's domain; the hostile rows write nothing anywhere else either. */
const GOOD_DOMAIN = 'hostile_ok';

const send = (...args: string[]) => [
  'send',
  '--domain',
  'hostile',
  '--type',
  'hostile.Note',
  ...args,
];

const ROWS: readonly [string, number, () => readonly string[], RegExp][] = [
  [
    'a domain with a quote',
    2,
    () => ['send', '--domain', "pay'ments", '--type', 'a.B'],
    /--domain.*is not a domain/,
  ],
  [
    'a domain with an injection',
    2,
    () => ['send', '--domain', "x'; DROP TABLE commandbus.command; --", '--type', 'a.B'],
    /--domain.*is not a domain/,
  ],
  [
    'an upper-case domain',
    2,
    () => ['send', '--domain', 'Payments', '--type', 'a.B'],
    /--domain.*is not a domain/,
  ],
  [
    'a unicode domain',
    2,
    () => ['send', '--domain', 'paiements_é', '--type', 'a.B'],
    /--domain.*is not a domain/,
  ],
  [
    'a command id that is not a UUID',
    1,
    () => send('--command-id', 'order-42'),
    /\[INVALID_UUID\]$/,
  ],
  [
    'a correlation id that is an injection',
    1,
    () => send('--correlation-id', "'; --"),
    /\[INVALID_UUID\]$/,
  ],
  [
    'a 10 KB command type',
    1,
    () => ['send', '--domain', 'hostile', '--type', `a${'b'.repeat(10_240)}`],
    /\[INVALID_CONFIG\]$/,
  ],
  [
    'a command type with a quote',
    1,
    () => ['send', '--domain', 'hostile', '--type', "a'b"],
    /\[INVALID_CONFIG\]$/,
  ],
  ['an empty command type', 2, () => ['send', '--domain', 'hostile', '--type', ''], /give --type/],
  [
    "another domain's reply queue",
    1,
    () => send('--reply-to', 'payments__replies'),
    /\[INVALID_REPLY_QUEUE\]$/,
  ],
  [
    'a reply queue with a dollar',
    1,
    () => send('--reply-to', 'replies$x'),
    /\[INVALID_QUEUE_NAME\]$/,
  ],
  [
    'a reply queue of 48 characters',
    1,
    () => send('--reply-to', 'r'.repeat(48)),
    /\[INVALID_QUEUE_NAME\]$/,
  ],
  [
    'a reply queue nobody created',
    1,
    () => send('--reply-to', 'nobody_made_this'),
    /\[UNKNOWN_QUEUE\]$/,
  ],
  [
    'data over the 1 MiB limit',
    1,
    () => ['send', '--domain', 'hostile', '--file', oversizedFile()],
    /\[PAYLOAD_TOO_LARGE\]$/,
  ],
  ['data that is not a JSON object', 2, () => send('--data', '[1, 2]'), /expected a JSON object/],
];

describe('producer send with hostile input', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function run(args: readonly string[]): Promise<{ code: number | null; output: string }> {
    const { code, stdout, stderr } = await runCli('apps/producer/src/main.ts', args, {
      cwd: root,
      env: { NODE_COMPILE_CACHE: compileCache, DATABASE_URL: db().url },
      timeoutMs: 45_000,
    });
    return { code, output: `${stdout}${stderr}` };
  }

  /**
   * Everything written anywhere except by the good send's domain. Each row
   * checks it after its own run, so a write by any hostile row is seen by the
   * rows that end after it, whatever order the tests run in.
   */
  async function writtenByHostileRows() {
    return db().pool.one(
      sql.type(z.object({ commands: z.number(), audit: z.number(), messages: z.number() }))`
        SELECT (SELECT count(*)::int FROM commandbus.command WHERE domain <> ${GOOD_DOMAIN}) AS commands,
               (SELECT count(*)::int FROM commandbus.audit WHERE domain <> ${GOOD_DOMAIN}) AS audit,
               (SELECT coalesce(sum(queue_length), 0)::int FROM pgmq.metrics_all()
                 WHERE queue_name NOT LIKE ${`${GOOD_DOMAIN}\\_\\_%`}) AS messages`,
    );
  }

  it.concurrent.each(ROWS)(
    '%s: exit %d, one line with its code, no stack, nothing written',
    async (_, exitCode, args, line) => {
      const { code, output } = await run(args());
      expect(code).toBe(exitCode);
      const lines = output.trim().split('\n');
      expect(lines, output.slice(0, 500)).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(output).not.toMatch(/^\s+at /m);
      expect(await writtenByHostileRows()).toEqual({ commands: 0, audit: 0, messages: 0 });
    },
  );

  it('a good send of the same shape goes through, as a row, an audit row and a message', async () => {
    const { code, output } = await run(send('--data', '{"text":"fine"}').with(2, GOOD_DOMAIN));
    expect(code, output).toBe(0);
    expect(output).toMatch(/1 sent, 0 duplicates/);
    const written = await db().pool.one(
      sql.type(z.object({ commands: z.number(), audit: z.number(), messages: z.number() }))`
        SELECT (SELECT count(*)::int FROM commandbus.command WHERE domain = ${GOOD_DOMAIN}) AS commands,
               (SELECT count(*)::int FROM commandbus.audit WHERE domain = ${GOOD_DOMAIN}) AS audit,
               (SELECT count(*)::int FROM ${sql.identifier(['pgmq', `q_${GOOD_DOMAIN}__commands`])}) AS messages`,
    );
    expect(written).toEqual({ commands: 1, audit: 1, messages: 1 });
  });
});
