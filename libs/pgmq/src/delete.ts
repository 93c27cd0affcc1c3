// Deleting messages: the normal end of a successfully handled message.
import type { CommonQueryMethods } from 'slonik';
import { takeMessage, takeMessages, type MessageRef, type MessageRefs } from './take-messages.ts';

export type DeleteMessageInput = MessageRef;
export type DeleteMessagesInput = MessageRefs;

/** True when the message existed (and is now gone). */
export function deleteMessage(db: CommonQueryMethods, input: DeleteMessageInput): Promise<boolean> {
  return takeMessage(db, 'delete', input);
}

/** Deletes many in one statement; returns the ids that existed, ascending. */
export function deleteMessages(
  db: CommonQueryMethods,
  input: DeleteMessagesInput,
): Promise<number[]> {
  return takeMessages(db, 'delete', input);
}
