// Public API of @commandbus/console: the operator console as a node:http
// request handler, the basic-auth helpers the standalone console uses, and
// the build of its UI bundle.
export { createConsole } from './create-console.ts';
export type { ConsoleHandler, ConsoleOptions } from './create-console.ts';
export { CONSOLE_ROLES } from './server/identity.ts';
export type { Authorize, ConsoleIdentity, ConsoleRole } from './server/identity.ts';
export { BASIC_CHALLENGE, basicAuthorizer, parseConsoleUsers } from './server/basic-auth.ts';
export type { ConsoleUser } from './server/basic-auth.ts';
export { CONSOLE_DEFAULTS } from './defaults.ts';
export { serveConsole } from './serve-console.ts';
export type { RunningConsole, ServeConsoleOptions } from './serve-console.ts';
