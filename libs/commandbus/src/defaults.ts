// Every user-facing default in one place (docs/lifecycle.md, "Defaults").
export const DEFAULTS = {
  /** Seconds a leased message stays invisible to other workers. */
  visibilityTimeoutSeconds: 30,
  /** Handlers running at once in one worker. */
  concurrency: 10,
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
} as const;
