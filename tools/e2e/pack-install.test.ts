// The packages as a user gets them: packed to tarballs, installed into a
// project outside this workspace (no links back into it), and used there on
// plain Node to migrate a database, send a command, handle it and read its reply.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '@commandbus/testing';
import { packShippedPackages, SHIPPED_PACKAGES } from '../src/packaging/shipped-packages.ts';

const run = promisify(execFile);
const SETUP_TIMEOUT_MS = 600_000;

/**
 * What a user's service does with the installed packages. Plain JavaScript:
 * the packages must work without TypeScript anywhere in the project.
 */
const SCENARIO = `
import { writeFileSync } from 'node:fs';
import { defineCommand, openPool, Producer, ReplyReader, Worker } from '@commandbus/commandbus';
import { z } from 'zod';

const greet = defineCommand({
  type: 'scratch.Greet',
  data: z.object({ name: z.string() }),
  reply: z.object({ greeting: z.string() }),
});
const pool = await openPool(process.env.DATABASE_URL);
const domain = 'scratch';
const producer = new Producer({ pool, domain });
const sent = await producer.send(greet, { data: { name: 'Ada' }, replyTo: true });
const worker = new Worker({ pool, domain, pollIntervalMs: 100 });
worker.register(greet, ({ command }) => ({ greeting: 'hello ' + command.data.name }));
await worker.start();
const reader = new ReplyReader({ pool, domain });
const replies = [];
const deadline = Date.now() + 30_000;
while (replies.length === 0 && Date.now() < deadline) {
  await reader.readOnce(greet, (reply) => {
    replies.push(reply);
  });
  if (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
await worker.stop();
await pool.end();
writeFileSync(process.argv[2], JSON.stringify({ sent, replies, node: process.version }));
`;

/** The environment of a process that knows nothing of this workspace. */
function outsideEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _workspaceConditions, LOG_LEVEL: _level, ...rest } = process.env;
  return { ...rest, ...extra };
}

describe('the packed packages installed outside the workspace', () => {
  let scratch = '';
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'commandbus-install-'));
    const tarballs = await packShippedPackages(scratch);
    const project = path.join(scratch, 'service');
    await mkdir(project, { recursive: true });
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'scratch-service', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, 'zod@^4.6.7'],
      { cwd: project, env: outsideEnvironment(), timeout: SETUP_TIMEOUT_MS },
    );
    database = await createTestDatabase();
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const project = () => path.join(scratch, 'service');

  it('installs real copies of every package, compiled JavaScript and .d.ts, no TypeScript sources', async () => {
    const installed = path.join(project(), 'node_modules/@commandbus');
    const names = (await readdir(installed)).sort();
    expect(names).toEqual(SHIPPED_PACKAGES.map((folder) => path.basename(folder)).sort());
    for (const name of names) {
      const entry = await lstat(path.join(installed, name));
      expect(entry.isSymbolicLink(), `${name} is a link`).toBe(false);
      const files = await readdir(path.join(installed, name), { recursive: true });
      expect(files).toContain(path.join('dist', 'index.js'));
      expect(files).toContain(path.join('dist', 'index.d.ts'));
      const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
      expect(sources, name).toEqual([]);
    }
  });

  it('migrates with the installed migrator, then sends, handles and reads the reply', async () => {
    const db = database;
    if (!db) throw new Error('no database');
    const env = outsideEnvironment({ DATABASE_URL: db.url });
    await run(path.join(project(), 'node_modules/.bin/commandbus-migrate'), ['migrate'], {
      cwd: project(),
      env,
      timeout: 60_000,
    });
    await writeFile(path.join(project(), 'scenario.mjs'), SCENARIO);
    const resultFile = path.join(project(), 'result.json');
    await run(process.execPath, ['scenario.mjs', resultFile], {
      cwd: project(),
      env,
      timeout: 60_000,
    });
    const result = JSON.parse(await readFile(resultFile, 'utf8')) as {
      sent: { commandId: string; duplicate: boolean };
      replies: { outcome: string; commandId: string; data: unknown }[];
      node: string;
    };
    expect(result.node).toBe(process.version);
    expect(result.sent.duplicate).toBe(false);
    expect(result.replies).toEqual([
      expect.objectContaining({
        outcome: 'SUCCESS',
        commandId: result.sent.commandId,
        data: { greeting: 'hello Ada' },
      }),
    ]);
    const row = await db.pool.one(
      sql.type(z.object({ status: z.string(), attempts: z.number() }))`
        SELECT status, attempts FROM commandbus.command
         WHERE domain = 'scratch' AND command_id = ${result.sent.commandId}`,
    );
    expect(row).toEqual({ status: 'COMPLETED', attempts: 1 });
    const replyMessages = await db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM pgmq.q_scratch__replies`,
    );
    expect(replyMessages).toBe(0);
  });
});
