export { startEmbeddedServer, serverUrl } from './embedded-server.ts';
export type { EmbeddedServer, EmbeddedServerOptions } from './embedded-server.ts';
export { findFreePort } from './free-port.ts';
export { pgmqCompatDir } from './pgmq-compat-dir.ts';
export { reapStaleServers } from './stale-servers.ts';
