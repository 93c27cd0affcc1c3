// A console on its own HTTP server: what `npm run console` and `npm start`
// run. With users it asks for basic auth; without users it answers only on
// 127.0.0.1, as the local user, with operator rights.
import { createServer, type Server } from 'node:http';
import { userInfo } from 'node:os';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { InvalidInputError } from '@commandbus/commandbus';
import { createConsole } from './create-console.ts';
import { BASIC_CHALLENGE, basicAuthorizer, type ConsoleUser } from './server/basic-auth.ts';
import type { Authorize } from './server/identity.ts';

export interface ServeConsoleOptions {
  readonly pool: DatabasePool;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Default 127.0.0.1; another address needs users. */
  readonly host?: string;
  /** Basic-auth users; none means local only. */
  readonly users?: readonly ConsoleUser[];
  readonly logger?: Logger;
}

export interface RunningConsole {
  /** Where to open it (no credentials in it). */
  readonly url: string;
  /** True when no users are set and it answers on 127.0.0.1 only. */
  readonly localOnly: boolean;
  readonly server: Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function localUser(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    // No passwd entry (some containers).
    return 'local';
  }
}

export async function serveConsole(options: ServeConsoleOptions): Promise<RunningConsole> {
  const users = options.users ?? [];
  const localOnly = users.length === 0;
  const host = options.host ?? '127.0.0.1';
  if (localOnly && !LOOPBACK.has(host)) {
    throw new InvalidInputError(
      'CONSOLE_NEEDS_USERS',
      `listening on ${host} needs CONSOLE_USERS: without users the console answers on 127.0.0.1 only`,
      { field: 'host', value: host },
    );
  }
  const local = { user: localUser(), role: 'operator' as const };
  const authorize: Authorize = localOnly ? () => local : basicAuthorizer(users);
  const handler = createConsole({
    pool: options.pool,
    authorize,
    ...(localOnly ? {} : { challenge: BASIC_CHALLENGE }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    localOnly,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
