// Exponential backoff with full jitter, so many workers that lost the same
// database do not all reconnect in the same millisecond.
export function nextBackoffMs(previousMs: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, Math.max(minMs, previousMs * 2));
  return Math.max(minMs, Math.round(Math.random() * ceiling));
}
