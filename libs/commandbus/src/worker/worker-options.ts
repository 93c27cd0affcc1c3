// Worker configuration, checked once at construction: a bad option is a
// ConfigError at start, never a misbehaving worker later.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { assertDomain } from '@commandbus/commandbus-schema';
import { assertBackoff } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { ConfigError } from '../errors.ts';
import type { BatchCompletedEvent } from './worker-context.ts';

/** Prometheus metrics of a worker, and the HTTP endpoint that serves them (docs/observability.md). */
export interface WorkerMetricsOptions {
  /** The prom-client registry. Default: one of the worker's own (`Worker.metricsRegistry`). */
  readonly registry?: Registry;
  /**
   * Serves `/metrics`, `/healthz` and `/readyz` on this port from start()
   * to stop(); 0 picks a free port (see `Worker.metricsUrl`). Default: no
   * endpoint (the registry is the caller's to expose).
   */
  readonly port?: number;
  /** Address to listen on. Default: every interface. */
  readonly host?: string;
  /**
   * The database gauges are sampled at most once per this many ms, however
   * often they are scraped. Default 5000.
   */
  readonly sampleIntervalMs?: number;
}

export interface WorkerOptions {
  /**
   * The pool handlers and the worker's statements run on. The worker's
   * LISTEN connection (for NOTIFY wake-ups) is opened with the same settings.
   */
  readonly pool: DatabasePool;
  readonly domain: string;
  /** Handlers running at once. Default 10. */
  readonly concurrency?: number;
  /**
   * Received commands kept ready ahead of the handlers, so a read is not
   * tied to free handler slots. Their leases are kept while they wait; at
   * `stop()` the unstarted ones go back with their attempt taken back.
   * 0: read only for free slots. Default 256.
   */
  readonly prefetch?: number;
  /**
   * Pool connections the worker uses at once, whatever its concurrency;
   * handlers' `ctx.db` transactions may take all but two. At least 2.
   * Default 6 (the LISTEN connection is extra).
   */
  readonly maxConnections?: number;
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
  /** Prometheus metrics and health endpoints. Default: none, at no cost. */
  readonly metrics?: WorkerMetricsOptions;
}

export interface ResolvedMetricsOptions {
  readonly registry: Registry | undefined;
  readonly port: number | undefined;
  readonly host: string | undefined;
  readonly sampleIntervalMs: number;
}

export interface ResolvedWorkerOptions {
  readonly pool: DatabasePool;
  readonly domain: string;
  readonly concurrency: number;
  readonly prefetch: number;
  readonly maxConnections: number;
  readonly visibilityTimeoutSeconds: number;
  readonly pollIntervalMs: number;
  readonly backoffSeconds: readonly number[];
  readonly shutdownGraceMs: number;
  readonly extendLeases: boolean;
  readonly onBatchCompleted: (event: BatchCompletedEvent) => void;
  readonly metrics: ResolvedMetricsOptions | undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  return atLeast(0, name, value);
}

function atLeast(min: number, name: string, value: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer of at least ${min}, got ${value}`);
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
    prefetch: nonNegativeInteger('prefetch', options.prefetch ?? DEFAULTS.prefetch),
    maxConnections: atLeast(2, 'maxConnections', options.maxConnections ?? DEFAULTS.maxConnections),
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
    metrics: options.metrics && resolveMetricsOptions(options.metrics),
  };
}

function resolveMetricsOptions(options: WorkerMetricsOptions): ResolvedMetricsOptions {
  const { port } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new ConfigError(`metrics.port must be an integer from 0 to 65535, got ${port}`);
  }
  return {
    registry: options.registry,
    port,
    host: options.host,
    sampleIntervalMs: positiveInteger(
      'metrics.sampleIntervalMs',
      options.sampleIntervalMs ?? DEFAULTS.metricsSampleIntervalMs,
    ),
  };
}
