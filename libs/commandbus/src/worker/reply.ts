// The reply envelope a finished command sends to the queue its sender named.
import type { CommonQueryMethods } from 'slonik';
import { send, sendBatch } from '@commandbus/pgmq';
import type { ReplyEnvelope, ReplyOutcome } from '../envelope.ts';

export interface ReplyTarget {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly correlationId: string | null;
  readonly replyTo: string | null;
}

export interface ReplyContent {
  readonly outcome: ReplyOutcome;
  readonly data?: Record<string, unknown> | null;
  readonly error?: { type: string; code: string; message: string } | null;
}

export function buildReply(target: ReplyTarget, content: ReplyContent): ReplyEnvelope {
  return {
    command_id: target.commandId,
    correlation_id: target.correlationId,
    domain: target.domain,
    command_type: target.commandType,
    outcome: content.outcome,
    data: content.data ?? null,
    error: content.error ?? null,
    finished_at: new Date().toISOString(),
  };
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
