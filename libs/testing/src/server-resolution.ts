// Picks the PostgreSQL that a test run uses: the one named by
// TEST_DATABASE_URL, else a PGMQ container when a Docker engine answers, else
// an embedded server with this repository's PGMQ-compatible extension.
import { existsSync } from 'node:fs';
import { reapStaleServers, startEmbeddedServer } from '@commandbus/embedded-postgres';
import { redactUrl } from '@commandbus/errors';

export interface ResolvedServer {
  /** Superuser URL of the maintenance database (`postgres`). */
  readonly adminUrl: string;
  /** Says where the server came from, for the one log line of the run. */
  readonly description: string;
  stop(): Promise<void>;
}

/** Newest PGMQ image for a PostgreSQL major that PGMQ publishes. */
export const PGMQ_IMAGE = 'ghcr.io/pgmq/pg17-pgmq:v1.5.1';
const DOCKER_PROBE_MS = 3_000;

export async function resolveTestServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedServer> {
  const given = env.TEST_DATABASE_URL;
  if (given) {
    return {
      adminUrl: given,
      description: `TEST_DATABASE_URL (${redactUrl(given)})`,
      stop: async () => undefined,
    };
  }
  if (await dockerEngineAnswers(env)) return startPgmqContainer();
  await reapStaleServers();
  const server = await startEmbeddedServer({ disposable: true });
  return {
    adminUrl: server.url,
    description: `embedded PostgreSQL 18 on port ${server.port} with the PGMQ-compatible extension`,
    stop: () => server.stop(),
  };
}

/** The URL with its password replaced by `***`: the one redaction every program uses. */
export const redactPassword = redactUrl;

/**
 * No socket, no engine: the common case on CI machines without Docker is
 * answered without touching the network. When a socket exists, testcontainers
 * must find a working engine within a short deadline, so a broken engine
 * never hangs the run.
 */
async function dockerEngineAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.TESTCONTAINERS_DISABLED === 'true') return false;
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DOCKER_PROBE_MS);
  });
  try {
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    return await Promise.race([probe, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function startPgmqContainer(): Promise<ResolvedServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(PGMQ_IMAGE)
    .withUsername('postgres')
    .withPassword('postgres')
    .withDatabase('postgres')
    .start();
  return {
    adminUrl: container.getConnectionUri(),
    description: `testcontainers ${PGMQ_IMAGE}`,
    stop: async () => {
      await container.stop();
    },
  };
}
