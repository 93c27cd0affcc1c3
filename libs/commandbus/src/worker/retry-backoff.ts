// Seconds before retry number `attempt` (1-based): the schedule's entry, the
// last one repeating when attempts outnumber it.
export function retryDelaySeconds(attempt: number, schedule: readonly number[]): number {
  const index = Math.min(Math.max(attempt, 1), schedule.length) - 1;
  return schedule[index] ?? 0;
}
