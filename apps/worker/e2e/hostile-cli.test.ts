// The worker CLI given hostile options: a usage error (exit 2) or a typed
// configuration error (exit 1) at start, one line, no stack, nothing created.
import { mkdtempSync, rmSync } from 'node:fs';
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

const ROWS: readonly [string, number, readonly string[], RegExp][] = [
  ['negative concurrency', 2, ['--concurrency', '-1'], /--concurrency.*positive whole number/],
  ['zero concurrency', 2, ['--concurrency', '0'], /--concurrency.*positive whole number/],
  ['fractional concurrency', 2, ['--concurrency', '1.5'], /--concurrency.*positive whole number/],
  ['non-numeric concurrency', 2, ['--concurrency', 'ten'], /--concurrency.*positive whole number/],
  ['a zero lease', 2, ['--vt', '0'], /--vt.*positive whole number/],
  ['a negative lease', 2, ['--vt', '-30'], /--vt.*positive whole number/],
  [
    'a zero poll interval',
    2,
    ['--poll-interval-ms', '0'],
    /--poll-interval-ms.*positive whole number/,
  ],
  ['a negative grace period', 2, ['--grace-ms', '-1'], /--grace-ms.*positive whole number/],
  ['an unknown option', 2, ['--turbo'], /unknown option/],
  ['a domain with a quote', 2, ['--domain', "pay'ments"], /--domain.*is not a domain/],
  ['a domain with a semicolon', 2, ['--domain', 'pay;ments'], /--domain.*is not a domain/],
  ['an upper-case domain', 2, ['--domain', 'Payments'], /--domain.*is not a domain/],
  ['a 31-character domain', 2, ['--domain', `p${'a'.repeat(30)}`], /--domain.*is not a domain/],
  ['a unicode domain', 2, ['--domain', '支付'], /--domain.*is not a domain/],
  [
    'a handlers module that does not exist',
    1,
    ['--handlers', 'no/such/module.ts'],
    /^worker: Cannot find module/,
  ],
  [
    'a handlers module without register()',
    2,
    ['--handlers', 'libs/commandbus/src/names.ts'],
    /must export a function register\(worker\)/,
  ],
];

describe('worker CLI with hostile options', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  const compileCache = mkdtempSync(path.join(tmpdir(), 'hostile-worker-cache-'));
  afterAll(() => rmSync(compileCache, { recursive: true, force: true }));

  async function run(
    args: readonly string[],
    url = db().url,
  ): Promise<{ code: number | null; output: string }> {
    const { code, stdout, stderr } = await runCli('apps/worker/src/main.ts', args, {
      cwd: root,
      env: { NODE_COMPILE_CACHE: compileCache, DATABASE_URL: url },
      timeoutMs: 45_000,
    });
    return { code, output: `${stdout}${stderr}` };
  }

  it.concurrent.each(ROWS)('%s: exit %d, one line, no stack', async (_, exitCode, args, line) => {
    const { code, output } = await run(args);
    expect(code).toBe(exitCode);
    const lines = output.trim().split('\n');
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('refuses a bad domain before it connects', async () => {
    const unreachable = 'postgres://bus@127.0.0.1:1/nowhere';
    const { code, output } = await run(['--domain', 'Payments'], unreachable);
    expect(code).toBe(2);
    expect(output.trim()).toMatch(/--domain.*is not a domain/);
  });

  it('none of them created a queue', async () => {
    const queues = await db().pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM pgmq.meta`,
    );
    expect(queues).toBe(0);
  });
});
