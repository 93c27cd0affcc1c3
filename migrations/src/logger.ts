// The library never writes to the console: it reports through a callback or a
// pino-compatible logger the caller passes in, and stays silent without one.

export const LOG_LEVELS = ['debug', 'info', 'warn'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface MigrationLogEvent {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type LogCallback = (event: MigrationLogEvent) => void;

/** The subset of pino's API used here (`logger.info({ fields }, 'message')`). */
export interface PinoCompatibleLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export type MigrationLog = LogCallback | PinoCompatibleLogger;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export function toLogger(log: MigrationLog | undefined): Logger {
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (log === undefined) return;
    if (typeof log === 'function') log({ level, message, fields });
    else log[level](fields, message);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
  };
}
