// Defaults of the client's optional inputs, in one place. They are PGMQ's own
// defaults for read_with_poll, so leaving an option out means the same thing
// here as in SQL.

/** `readWithPoll`: how long to keep polling an empty queue, in seconds. */
export const DEFAULT_MAX_POLL_SECONDS = 5;

/** `readWithPoll`: pause between two reads of an empty queue, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 100;

/** `read`/`readWithPoll`: the JSON containment filter that matches every message. */
export const NO_CONDITION: Readonly<Record<string, never>> = Object.freeze({});
