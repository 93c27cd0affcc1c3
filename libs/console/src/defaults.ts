// Every default of the console in one place (docs/console.md has the table).
export const CONSOLE_DEFAULTS = {
  /** statement_timeout of every read a request makes, in milliseconds. */
  statementTimeoutMs: 3_000,
  /** Rows per page of every listing. */
  pageSize: 50,
  /** The largest page a request may ask for. */
  maxPageSize: 200,
  /** Counts stop here and read "10,000+": no full scan per refresh. */
  countCap: 10_000,
  /**
   * Counts of commands on pages that refresh every 2 s (the overview's
   * statuses, a troubleshooting page's total) stop here: each counted row is
   * a heap visit, since V001 has no index on domain and status together. A
   * bulk action's confirmation counts up to bulkCap.
   */
  liveCountCap: 1_000,
  /** The most items one "all matching" bulk action takes. */
  bulkCap: 10_000,
  /** How many single-item actions of a bulk cancel or complete run at once. */
  bulkConcurrency: 4,
  /** How far back the overview's chart goes, in minutes. */
  chartMinutes: 60,
} as const;
