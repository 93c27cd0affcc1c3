// Every CLI of the project, given a DATABASE_URL that is wrong or unreachable:
// exit code 1 and one clear line, never a stack trace, never the password.
// They all end through runMain (or, for the migrator, its own runCli), so one
// table covers them together.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, useTestDatabase } from '@commandbus/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const CLIS: readonly [string, string, readonly string[]][] = [
  ['worker', 'worker', ['apps/worker/src/main.ts', '--domain', 'hostile']],
  [
    'producer send',
    'producer',
    ['apps/producer/src/main.ts', 'send', '--domain', 'hostile', '--type', 'hostile.Note'],
  ],
  ['operator', 'operator', ['apps/operator/src/main.ts', 'queues']],
  ['migrator', 'migrate', ['migrations/src/cli.ts', 'migrate']],
  ['demo', 'demo', ['apps/producer/src/demo/main.ts', '--count', '1']],
];

/** Every password below contains this; none of it may ever be printed. */
const SECRET = 's3cret';

interface Run {
  readonly code: number | null;
  readonly output: string;
}

describe('a wrong or unreachable DATABASE_URL', () => {
  const db = useTestDatabase();
  // Node's compile cache, shared by this file's runs, roughly halves each start-up.
  const compileCache = mkdtempSync(path.join(tmpdir(), 'hostile-url-cache-'));
  afterAll(() => rmSync(compileCache, { recursive: true, force: true }));

  async function run([script, ...args]: readonly string[], databaseUrl: string): Promise<Run> {
    const { code, stdout, stderr } = await runCli(script!, args, {
      cwd: root,
      env: { NODE_COMPILE_CACHE: compileCache, DATABASE_URL: databaseUrl },
      timeoutMs: 45_000,
    });
    return { code, output: `${stdout}${stderr}` };
  }

  const URLS: readonly [string, () => string][] = [
    ['nothing listening on the port', () => `postgres://someone:${SECRET}-pw@127.0.0.1:1/nowhere`],
    [
      'a wrong password for a running server',
      () => {
        const url = new URL(db().url);
        url.password = `wr0ng-${SECRET}`;
        return url.toString();
      },
    ],
    [
      'a percent-encoded password with @ and :',
      () => `postgres://u:p%40ss%3A${SECRET}@127.0.0.1:1/x`,
    ],
    ['a host that does not exist', () => `postgres://u:${SECRET}@no-such-host.invalid:5432/db`],
    ['no URL at all', () => `definitely not a url ${SECRET}`],
    [
      'an sslmode slonik does not take',
      () => `postgres://u:${SECRET}@127.0.0.1:1/x?sslmode=prefer`,
    ],
    ['sslmode=require', () => `postgres://u:${SECRET}@127.0.0.1:1/x?sslmode=require`],
  ];

  const rows = CLIS.flatMap(([cli, program, args]) =>
    URLS.map(([what, url]) => [cli, what, program, args, url] as const),
  );

  it.concurrent.each(rows)(
    '%s, given %s: exit 1, one line, no stack, no password',
    async (_, __, program, args, url) => {
      const { code, output } = await run(args, url());
      expect(code).toBe(1);
      // pg's notice on sslmode, when it has one, is a line of its own.
      const lines = output
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith(`${program}: warning: SECURITY WARNING`));
      expect(lines, output).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${program}: .*cannot connect`));
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain('p@ss');
    },
  );
});
