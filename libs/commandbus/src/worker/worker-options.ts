// Worker configuration, checked once at construction: a bad option is a
// ConfigError at start, never a misbehaving worker later.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import { assertDomain } from '@commandbus/commandbus-schema';
import { assertBackoff } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { ConfigError } from '../errors.ts';
import type { BatchCompletedEvent } from './deliver.ts';

export interface WorkerOptions {
  /**
   * The pool handlers and the worker's statements run on. The worker's
   * LISTEN connection (for NOTIFY wake-ups) is opened with the same settings.
   */
  readonly pool: DatabasePool;
  readonly domain: string;
  /** Handlers running at once. Default 10. */
  readonly concurrency?: number;
  /** Lease in seconds. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** Fallback poll when no NOTIFY arrives. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Seconds before retry n; the last repeats. Default [10, 60, 300]. */
  readonly backoffSeconds?: readonly number[];
  /** How long `stop()` waits for in-flight handlers. Default 30 s. */
  readonly shutdownGraceMs?: number;
  /** Extend leases of long handlers. Default true. */
  readonly extendLeases?: boolean;
  readonly logger?: Logger;
  readonly onBatchCompleted?: (event: BatchCompletedEvent) => void;
}

export interface ResolvedWorkerOptions {
  readonly pool: DatabasePool;
  readonly domain: string;
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds: number;
  readonly pollIntervalMs: number;
  readonly backoffSeconds: readonly number[];
  readonly shutdownGraceMs: number;
  readonly extendLeases: boolean;
  readonly onBatchCompleted: (event: BatchCompletedEvent) => void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  assertDomain(options.domain);
  const backoffSeconds = options.backoffSeconds ?? DEFAULTS.backoffSeconds;
  assertBackoff(backoffSeconds);
  return {
    pool: options.pool,
    domain: options.domain,
    concurrency: positiveInteger('concurrency', options.concurrency ?? DEFAULTS.concurrency),
    visibilityTimeoutSeconds: positiveInteger(
      'visibilityTimeoutSeconds',
      options.visibilityTimeoutSeconds ?? DEFAULTS.visibilityTimeoutSeconds,
    ),
    pollIntervalMs: positiveInteger(
      'pollIntervalMs',
      options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    ),
    backoffSeconds,
    shutdownGraceMs: Math.max(0, options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs),
    extendLeases: options.extendLeases ?? true,
    onBatchCompleted: options.onBatchCompleted ?? (() => undefined),
  };
}
