// Archiving messages: like delete, but the row moves to pgmq.a_<queue>, so
// the payload stays readable for inspection.
import type { CommonQueryMethods } from 'slonik';
import { takeMessage, takeMessages, type MessageRef, type MessageRefs } from './take-messages.ts';

export type ArchiveInput = MessageRef;
export type ArchiveMessagesInput = MessageRefs;

/** True when the message existed (and is now in the archive). */
export function archive(db: CommonQueryMethods, input: ArchiveInput): Promise<boolean> {
  return takeMessage(db, 'archive', input);
}

/** Archives many in one statement; returns the ids that existed, ascending. */
export function archiveMessages(
  db: CommonQueryMethods,
  input: ArchiveMessagesInput,
): Promise<number[]> {
  return takeMessages(db, 'archive', input);
}
