import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixtureLocation, freshDatabase, writeFiles } from './fixtures.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = 'migrations/src/cli.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as a child process on this Node (24), never the system's. */
function run(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: repoRoot, env: { ...inherited, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('the migrate CLI', () => {
  it('--help exits 0 for the program and each command', async () => {
    const [help, ...commandHelps] = await Promise.all(
      [['--help'], ['migrate', '--help'], ['validate', '--help'], ['info', '--help']].map((args) =>
        run(args),
      ),
    );
    expect(help?.code).toBe(0);
    expect(help?.stdout).toMatch(/migrate.*\n.*validate.*\n.*info/s);
    for (const commandHelp of commandHelps) {
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toContain('--location <dir...>');
      expect(commandHelp.stdout).toContain('--json');
    }
  });

  it('usage errors exit 2: no URL anywhere, an unknown command, an unknown option, no command', async () => {
    const [noUrl, ...others] = await Promise.all(
      [['migrate'], ['frobnicate'], ['info', '--no-such-option'], []].map((args) => run(args)),
    );
    expect(noUrl?.code).toBe(2);
    expect(oneLine(noUrl?.stderr ?? '')).toContain('no database URL');
    expect(others.map((other) => other.code)).toEqual([2, 2, 2]);
  });

  it('migrate --json reports what it applied; a second run says up to date; info --json parses', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__one.sql': 'SELECT 1;',
      'V1.1__one_one.sql': 'SELECT 11;',
    });

    const first = await run(['migrate', '--url', db.url, '--location', location, '--json']);
    expect(first.code).toBe(0);
    const result = z
      .object({
        applied: z.array(z.object({ version: z.string(), script: z.string() })),
        upToDate: z.boolean(),
      })
      .parse(JSON.parse(first.stdout));
    expect(result.applied.map((applied) => applied.version)).toEqual(['1', '1.1']);
    expect(result.upToDate).toBe(false);

    // The URL from DATABASE_URL this time, and output for people.
    const second = await run(['migrate', '--location', location], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('schema is up to date at version 1.1');

    const infoJson = await run(['info', '--url', db.url, '--location', location, '--json']);
    expect(infoJson.code).toBe(0);
    const parsed = z
      .object({
        migrations: z.array(
          z.object({ version: z.string(), state: z.string(), checksum: z.number() }),
        ),
      })
      .parse(JSON.parse(infoJson.stdout));
    expect(parsed.migrations.map((migration) => [migration.version, migration.state])).toEqual([
      ['1', 'applied'],
      ['1.1', 'applied'],
    ]);

    const validateOk = await run(['validate', '--url', db.url, '--location', location]);
    expect([validateOk.code, validateOk.stdout.trim()]).toEqual([0, 'valid: 2 applied, 0 pending']);
  });

  it('info prints an aligned table of version, description, type, installed on, state, checksum', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__first_one.sql': 'SELECT 1;' });
    await run(['migrate', '--url', db.url, '--location', location]);
    await writeFiles(location, { 'V10__a_much_longer_description.sql': 'SELECT 10;' });

    const table = await run(['info', '--url', db.url, '--location', location]);
    expect(table.code).toBe(0);
    const [header, rule, applied, pending] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^Version\s+Description\s+Type\s+Installed on\s+State\s+Checksum$/);
    expect(rule).toMatch(/^[- ]+$/);
    expect(applied).toMatch(
      /^1\s+first one\s+SQL\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+applied\s+-?\d+$/,
    );
    expect(pending).toMatch(/^10\s+a much longer description\s+SQL\s+pending\s+-?\d+$/);
    for (const title of ['Description', 'Type', 'Installed on', 'State', 'Checksum']) {
      const column = header?.indexOf(title) ?? -1;
      expect(applied?.[column - 1], title).toBe(' ');
      expect(applied?.[column], title).not.toBe(' ');
    }
    expect(pending?.indexOf('pending')).toBe(header?.indexOf('State'));
  });

  it('failures exit 1 with one line on stderr and the code; --json also puts the error on stdout', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' });
    await run(['migrate', '--url', db.url, '--location', location]);
    await writeFiles(location, { 'V1__a.sql': 'SELECT 2;' });

    const mismatch = await run(['validate', '--url', db.url, '--location', location, '--json']);
    expect(mismatch.code).toBe(1);
    expect(oneLine(mismatch.stderr)).toMatch(/^migrate: error \[CHECKSUM_MISMATCH\]: .*V1__a\.sql/);
    expect(JSON.parse(mismatch.stdout)).toMatchObject({ error: { code: 'CHECKSUM_MISMATCH' } });

    const broken = await fixtureLocation({ 'V1__broken.sql': 'SELECT 1;\nSELEC 2;' });
    const failed = await run([
      'migrate',
      '--url',
      (await freshDatabase()).url,
      '--location',
      broken,
    ]);
    expect(failed.code).toBe(1);
    expect(oneLine(failed.stderr)).toMatch(
      /\[MIGRATION_FAILED\].*V1__broken\.sql.*line 2, column 1.*syntax error at or near "SELEC"/,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('never prints the password of the database URL', async () => {
    const db = await freshDatabase();
    const url = new URL(db.url);
    url.password = 'Sup3r-S3cret-Pw';
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' });
    for (const args of [
      ['migrate', '--url', url.toString(), '--location', location],
      ['info', '--location', location, '--json'],
    ]) {
      const result = await run(args, { DATABASE_URL: url.toString() });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toContain('[CONNECTION_FAILED]');
      expect(result.stdout + result.stderr).not.toContain('Sup3r-S3cret-Pw');
    }
  });
});
