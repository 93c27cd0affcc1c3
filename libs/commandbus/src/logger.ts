// The library logs through pino; callers pass their own logger to route it.
import { pino, type Logger } from 'pino';

export function defaultLogger(): Logger {
  return pino({ name: 'commandbus', level: process.env.LOG_LEVEL ?? 'info' });
}
