import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** This workspace's nx (23), run on this Node. */
async function nxBin(): Promise<string> {
  const manifest = createRequire(import.meta.url).resolve('nx/package.json');
  const { bin } = z
    .object({ bin: z.object({ nx: z.string() }) })
    .parse(JSON.parse(await readFile(manifest, 'utf8')));
  return path.join(path.dirname(manifest), bin.nx);
}

describe('the Nx affected graph', () => {
  // Its own graph cache: other work in this checkout runs nx at the same time.
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cb-nx-data-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function affectedBy(file: string): Promise<string[]> {
    const nx = await nxBin();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [nx, 'show', 'projects', '--affected', `--files=${file}`, '--json'],
        {
          cwd: repoRoot,
          timeout: 60_000,
          env: {
            ...process.env,
            NX_DAEMON: 'false',
            NX_NO_CLOUD: 'true',
            NX_WORKSPACE_DATA_DIRECTORY: dataDir,
          },
        },
        (error, out, err) =>
          error ? reject(new Error(`nx failed: ${err || error.message}`)) : resolve(out),
      );
    });
    return z.array(z.string()).parse(JSON.parse(stdout));
  }

  it('a change to the V001 migration affects migrations (its tests rerun)', async () => {
    const affected = await affectedBy('libs/commandbus-schema/sql/V001__commandbus_schema.sql');
    expect(affected).toContain('commandbus-schema');
    expect(affected).toContain('migrations');
  });

  it('a change to the V002 migration affects migrations (its tests rerun)', async () => {
    const affected = await affectedBy(
      'libs/commandbus-schema/sql/V002__business_rule_failures_and_python_interop.sql',
    );
    expect(affected).toContain('commandbus-schema');
    expect(affected).toContain('migrations');
  });

  it('a change only under apps/producer does not affect migrations', async () => {
    const affected = await affectedBy('apps/producer/project.json');
    expect(affected).toContain('producer');
    expect(affected).not.toContain('migrations');
  });
});
