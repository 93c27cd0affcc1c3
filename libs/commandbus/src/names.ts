// Queue and channel names derived from a domain (docs/lifecycle.md, "Names").
export function commandQueueName(domain: string): string {
  return `${domain}__commands`;
}

export function replyQueueName(domain: string): string {
  return `${domain}__replies`;
}

/** NOTIFY channel a producer signals after enqueueing; workers LISTEN on it. */
export function notifyChannel(domain: string): string {
  return `commandbus_${domain}`;
}
