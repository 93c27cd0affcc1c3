// The reply envelope a finished command sends to the queue its sender named.
import type { CommonQueryMethods } from 'slonik';
import { send, sendBatch } from '@commandbus/pgmq';
import { buildReplyEnvelope, type ReplyContent, type ReplyEnvelope } from '../envelope.ts';

export interface ReplyTarget {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly correlationId: string | null;
  readonly replyTo: string | null;
}

export type { ReplyContent };

/** The reply with both shapes' fields (docs/lifecycle.md, "Reply message"). */
export function buildReply(target: ReplyTarget, content: ReplyContent): ReplyEnvelope {
  return buildReplyEnvelope(target, content);
}

/** Sends the reply in `db`'s transaction; no reply queue, no reply. */
export async function sendReply(
  db: CommonQueryMethods,
  target: ReplyTarget,
  content: ReplyContent,
): Promise<void> {
  if (!target.replyTo) return;
  await send(db, { queue: target.replyTo, message: buildReply(target, content) });
}

/** Many replies, one send_batch per reply queue. */
export async function sendReplies(
  db: CommonQueryMethods,
  replies: readonly { readonly target: ReplyTarget; readonly content: ReplyContent }[],
): Promise<void> {
  const byQueue = new Map<string, ReplyEnvelope[]>();
  for (const { target, content } of replies) {
    if (!target.replyTo) continue;
    const queued = byQueue.get(target.replyTo) ?? [];
    queued.push(buildReply(target, content));
    byQueue.set(target.replyTo, queued);
  }
  for (const [queue, messages] of byQueue) await sendBatch(db, { queue, messages });
}
