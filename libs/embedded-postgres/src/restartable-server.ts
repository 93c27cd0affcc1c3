// A temporary PostgreSQL that can be shut down (fast or immediate) and started
// again on the same data directory and port, for crash and restart tests:
// clients keep their URL and must reconnect on their own.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startEmbeddedServer,
  type EmbeddedServer,
  type EmbeddedServerOptions,
} from './embedded-server.ts';
import { findFreePort } from './free-port.ts';
import { OWNER_FILE, TEMP_DIR_PREFIX } from './stale-servers.ts';

/** PostgreSQL's shutdown modes that matter for clients: checkpoint first, or crash-like. */
export const SHUTDOWN_MODES = ['fast', 'immediate'] as const;
export type ShutdownMode = (typeof SHUTDOWN_MODES)[number];

export interface RestartableServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly running: boolean;
  /** Stops PostgreSQL, keeping its data: `fast` as `pg_ctl -m fast`, `immediate` as `pg_ctl -m immediate` (crash recovery on the next start). */
  shutdown(mode: ShutdownMode): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its data directory. */
  dispose(): Promise<void>;
}

export type RestartableServerOptions = Pick<
  EmbeddedServerOptions,
  'disposable' | 'settings' | 'onLog'
>;

// postmaster signals (PostgreSQL docs, "Shutting Down the Server").
const SIGNAL_OF: Record<ShutdownMode, NodeJS.Signals> = { fast: 'SIGINT', immediate: 'SIGQUIT' };

export async function startRestartableServer(
  options: RestartableServerOptions = {},
): Promise<RestartableServer> {
  // Laid out like a temporary embedded server (<tmp>/commandbus-pg-<id>/data
  // with the owner's pid beside it), so reapStaleServers cleans up after a
  // run that was killed. 0755: the `postgres` user must be able to enter it.
  const runDir = path.join(tmpdir(), `${TEMP_DIR_PREFIX}${randomBytes(6).toString('hex')}`);
  await mkdir(runDir, { mode: 0o755 });
  await writeFile(path.join(runDir, OWNER_FILE), String(process.pid));
  const dataDir = path.join(runDir, 'data');
  const port = await findFreePort();
  const launch = () => startEmbeddedServer({ ...options, dataDir, port });

  let current: EmbeddedServer | undefined;
  try {
    current = await launch();
  } catch (error) {
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
  const url = current.url;

  return {
    url,
    port,
    dataDir,
    get running() {
      return current !== undefined;
    },
    async shutdown(mode) {
      const server = current;
      if (!server) return;
      current = undefined;
      if (mode === 'immediate') {
        // The postmaster is signalled before the embedded wrapper's own stop
        // (SIGINT) in the same tick, so the immediate request wins and the
        // wrapper still sees its child exit.
        const pid = await postmasterPid(dataDir);
        if (pid !== undefined) process.kill(pid, SIGNAL_OF.immediate);
      }
      await server.stop();
    },
    async start() {
      if (current) return;
      current = await launch();
    },
    async dispose() {
      const server = current;
      current = undefined;
      await server?.stop();
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
