// A run killed with SIGKILL cannot stop its server; the next run does it, so a
// machine never collects orphaned PostgreSQL processes or data directories.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const TEMP_DIR_PREFIX = 'commandbus-pg-';
export const OWNER_FILE = 'owner.pid';
/** A directory without an owner file is being set up, unless it is older than this. */
const UNOWNED_GRACE_MS = 60_000;

async function modifiedAt(dir: string): Promise<number> {
  return (await stat(dir).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const first = (await readFile(file, 'utf8')).split('\n')[0]?.trim();
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // no such file: nothing to read
  }
}

/** Stops servers and removes data directories whose owning process is gone. */
export async function reapStaleServers(): Promise<number> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  let reaped = 0;
  for (const entry of entries.filter((name) => name.startsWith(TEMP_DIR_PREFIX))) {
    const dir = path.join(tmpdir(), entry);
    const owner = await readPid(path.join(dir, OWNER_FILE));
    if (owner !== undefined && isAlive(owner)) continue;
    if (owner === undefined && Date.now() - (await modifiedAt(dir)) < UNOWNED_GRACE_MS) continue;
    const postmaster = await readPid(path.join(dir, 'data', 'postmaster.pid'));
    if (postmaster !== undefined && isAlive(postmaster)) {
      process.kill(postmaster, 'SIGQUIT'); // immediate shutdown: the data is thrown away
      for (let waited = 0; waited < 5000 && isAlive(postmaster); waited += 50) await sleep(50);
    }
    await rm(dir, { recursive: true, force: true });
    reaped += 1;
  }
  return reaped;
}
