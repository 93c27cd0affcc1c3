export { startEmbeddedServer, serverUrl } from './embedded-server.ts';
export type { EmbeddedServer, EmbeddedServerOptions } from './embedded-server.ts';
export { findFreePort } from './free-port.ts';
export { pgmqCompatDir } from './pgmq-compat-dir.ts';
export { reapStaleServers } from './stale-servers.ts';
export { SHUTDOWN_MODES, startRestartableServer } from './restartable-server.ts';
export type {
  RestartableServer,
  RestartableServerOptions,
  ShutdownMode,
} from './restartable-server.ts';
