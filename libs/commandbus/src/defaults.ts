// Every user-facing default in one place (docs/lifecycle.md, "Defaults").
export const DEFAULTS = {
  /** Seconds a leased message stays invisible to other workers. */
  visibilityTimeoutSeconds: 30,
  /** Handlers running at once in one worker. */
  concurrency: 10,
  /**
   * Received commands a worker keeps ready ahead of its handlers (their
   * leases kept while they wait): reads of many messages at a time, one
   * round trip each, whatever the concurrency.
   */
  prefetch: 256,
  /** Pool connections one worker uses at once, whatever its concurrency (LISTEN not counted). */
  maxConnections: 6,
  /** Attempts before a transiently failing command goes to the troubleshooting queue. */
  maxAttempts: 3,
  /** Seconds to wait before retry n (the last value repeats). */
  backoffSeconds: [10, 60, 300] as readonly number[],
  /** Fallback poll when no NOTIFY arrives. */
  pollIntervalMs: 1_000,
  /** How long shutdown waits for in-flight handlers. */
  shutdownGraceMs: 30_000,
  /** Largest serialised command `data` accepted by the producer. */
  maxPayloadBytes: 1_048_576,
  /** Reconnect backoff bounds when the database goes away. */
  reconnectMinMs: 100,
  reconnectMaxMs: 5_000,
  /** Longest a database gauge sample is reused before a scrape queries again. */
  metricsSampleIntervalMs: 5_000,
  /** How long `/readyz` waits for the database to answer. */
  readinessTimeoutMs: 3_000,
} as const;
