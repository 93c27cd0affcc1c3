// Queue and channel names derived from a domain (docs/lifecycle.md, "Names").
export function commandQueueName(domain: string): string {
  return `${domain}__commands`;
}

export function replyQueueName(domain: string): string {
  return `${domain}__replies`;
}

/**
 * NOTIFY channel a producer signals after enqueueing; workers LISTEN on it.
 * Named after the command queue, `pgmq_notify_<queue>`, the channel the
 * Python command bus uses too, so a send of either library wakes the
 * workers of both.
 */
export function notifyChannel(domain: string): string {
  return `pgmq_notify_${commandQueueName(domain)}`;
}
