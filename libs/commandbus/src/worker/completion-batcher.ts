// Finishes successful deliveries whose handlers wrote nothing in groups: one
// statement finishes every command of a group and deletes their messages.
// A group gathers for one turn of the event loop (every handler of a read
// that returns at once joins it), and while groups are being written the
// next one gathers, so a group is as large as the load makes it and a lone
// command waits for no timer.
import type { CommonQueryMethods } from 'slonik';
import { completeCommands, type CompletedCommand } from '@commandbus/commandbus-schema';
import type { Delivery } from './outcomes.ts';
import { sendReplies } from './reply.ts';

interface PendingCompletion {
  readonly delivery: Delivery;
  readonly replyData: Record<string, unknown> | null;
  readonly resolve: (result: CompletedCommand | null) => void;
  readonly reject: (error: unknown) => void;
}

/** The largest group one statement finishes. */
const MAX_GROUP = 500;
/** Groups written at once: one gathers while another is in the database. */
const MAX_GROUPS_IN_FLIGHT = 1;
/**
 * Completions that may wait (queued or being written) before the batcher
 * stops giving handler slots back early: past this the database is behind,
 * and deliveries keep their slots, which slows reading down to its pace.
 */
const MAX_WAITING = 2 * MAX_GROUP;

export class CompletionBatcher {
  readonly #pool: CommonQueryMethods;
  readonly #domain: string;
  readonly #queue: string;
  #pending: PendingCompletion[] = [];
  #inFlight = 0;
  #writing = 0;
  #gathering = false;

  constructor(pool: CommonQueryMethods, domain: string, queue: string) {
    this.#pool = pool;
    this.#domain = domain;
    this.#queue = queue;
  }

  /** True while fewer than MAX_WAITING completions are queued or being written. */
  get hasRoom(): boolean {
    return this.#pending.length + this.#writing < MAX_WAITING;
  }

  /** Resolves once the command is finished; `null` when a newer delivery owns it. */
  complete(
    delivery: Delivery,
    replyData: Record<string, unknown> | null,
  ): Promise<CompletedCommand | null> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ delivery, replyData, resolve, reject });
      if (this.#gathering) return;
      this.#gathering = true;
      setImmediate(() => {
        this.#gathering = false;
        this.#pump();
      });
    });
  }

  #pump(): void {
    while (this.#inFlight < MAX_GROUPS_IN_FLIGHT && this.#pending.length > 0) {
      const group = this.#pending.splice(0, MAX_GROUP);
      this.#inFlight += 1;
      this.#writing += group.length;
      void this.#write(group).finally(() => {
        this.#inFlight -= 1;
        this.#writing -= group.length;
        this.#pump();
      });
    }
  }

  async #write(group: readonly PendingCompletion[]): Promise<void> {
    try {
      const finished = await this.#finishGroup(group);
      const byCommand = new Map(finished.map((done) => [done.commandId, done]));
      for (const item of group) item.resolve(byCommand.get(item.delivery.commandId) ?? null);
    } catch (error) {
      for (const item of group) item.reject(error);
    }
  }

  async #finishGroup(group: readonly PendingCompletion[]): Promise<CompletedCommand[]> {
    const input = {
      domain: this.#domain,
      queue: this.#queue,
      deliveries: group.map(({ delivery }) => ({
        commandId: delivery.commandId,
        msgId: delivery.msgId,
        attempt: delivery.attempt,
      })),
    };
    const withReplies = group.filter(({ delivery }) => delivery.replyTo);
    // No replies: the one statement is atomic on its own, no transaction needed.
    if (withReplies.length === 0) return completeCommands(this.#pool, input);
    return this.#pool.transaction(async (tx) => {
      const finished = await completeCommands(tx, input);
      const owned = new Set(finished.map((done) => done.commandId));
      await sendReplies(
        tx,
        withReplies
          .filter(({ delivery }) => owned.has(delivery.commandId))
          .map(({ delivery, replyData }) => ({
            target: delivery,
            content: { outcome: 'SUCCESS' as const, data: replyData },
          })),
      );
      return finished;
    });
  }
}
