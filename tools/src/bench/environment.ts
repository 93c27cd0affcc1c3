// The `machine` and `versions` blocks of the JSON report.
import { readFile } from 'node:fs/promises';
import { findPackageJSON } from 'node:module';
import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { withClient } from './sql-client.ts';

export interface Machine {
  readonly cores: number;
  /** Total memory, e.g. "23.5 GiB". */
  readonly memory: string;
}

export interface Versions {
  readonly postgres: string;
  readonly pgmq: string | null;
  readonly node: string;
  readonly 'pg-boss': string;
  readonly 'graphile-worker': string;
}

export function describeMachine(): Machine {
  return { cores: availableParallelism(), memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB` };
}

/** The durability settings the run measured with (see `--durable`). */
export interface DurabilitySettings {
  readonly fsync: string;
  readonly synchronous_commit: string;
  readonly full_page_writes: string;
}

const durabilityRow = z.object({
  fsync: z.string(),
  synchronous_commit: z.string(),
  full_page_writes: z.string(),
});

export async function readDurability(adminUrl: string): Promise<DurabilitySettings> {
  return withClient(adminUrl, async (client) =>
    durabilityRow.parse(
      (
        await client.query(`
          SELECT current_setting('fsync') AS fsync,
                 current_setting('synchronous_commit') AS synchronous_commit,
                 current_setting('full_page_writes') AS full_page_writes
        `)
      ).rows[0],
    ),
  );
}

/** Whether every durability setting is on (`synchronous_commit`: anything but off/local). */
export function isDurable(settings: DurabilitySettings): boolean {
  return (
    settings.fsync === 'on' &&
    settings.full_page_writes === 'on' &&
    !['off', 'local'].includes(settings.synchronous_commit)
  );
}

const versionRow = z.object({ postgres: z.string(), pgmq: z.string().nullable() });

export async function collectVersions(adminUrl: string): Promise<Versions> {
  // pgmq's available version: the extension is installed per database, in
  // the scenarios' own databases, never in the maintenance one.
  const row = await withClient(adminUrl, async (client) =>
    versionRow.parse(
      (
        await client.query(`
          SELECT current_setting('server_version') AS postgres,
                 (SELECT default_version FROM pg_available_extensions WHERE name = 'pgmq') AS pgmq
        `)
      ).rows[0],
    ),
  );
  return {
    postgres: row.postgres,
    pgmq: row.pgmq,
    node: process.version,
    'pg-boss': await packageVersion('pg-boss'),
    'graphile-worker': await packageVersion('graphile-worker'),
  };
}

const packageJson = z.object({ version: z.string() });

async function packageVersion(name: string): Promise<string> {
  const file = findPackageJSON(name, import.meta.url);
  if (!file) throw new Error(`cannot find the package.json of ${name}`);
  return packageJson.parse(JSON.parse(await readFile(file, 'utf8'))).version;
}
