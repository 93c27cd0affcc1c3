// Reads a reply queue for the sender of commands: each reply parsed with its
// command's reply schema, handed to the caller, and deleted only once the
// caller's callback (and any writes it made in the reply's transaction) succeeded.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { assertDomain, getCommands } from '@commandbus/commandbus-schema';
import { archive, deleteMessage, read, setVt, validateQueueName } from '@commandbus/pgmq';
import { assertPositiveInteger } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { defaultLogger } from '../logger.ts';
import { replyQueueName } from '../names.ts';
import { QueueRegistry } from '../queue-registry.ts';
import { LazyTransaction } from '../worker/lazy-transaction.ts';
import {
  parseReply,
  parseReplyEnvelope,
  type AnyDefinition,
  type Reply,
  type ReplyOrigin,
} from './parse-reply.ts';

export interface ReplyReaderOptions {
  readonly pool: DatabasePool;
  /** The domain whose commands' replies are read. */
  readonly domain: string;
  /** The reply queue. Default: the domain's, `<domain>__replies` (created if missing). */
  readonly queue?: string;
  readonly logger?: Logger;
  /** Seconds a reply being handled stays invisible to other readers. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** Replies read per round trip. Default 10. */
  readonly batchSize?: number;
  /** How long `run` waits on an empty queue before reading again. Default 1000 ms. */
  readonly pollIntervalMs?: number;
}

export interface ReplyContext {
  /**
   * The transaction the reply is deleted in, opened on first use: writes
   * made here commit exactly when the reply leaves the queue.
   */
  readonly db: CommonQueryMethods;
}

export type ReplyCallback<TDefinition extends AnyDefinition> = (
  reply: Reply<TDefinition>,
  context: ReplyContext,
) => Promise<void> | void;

export class ReplyReader {
  readonly domain: string;
  readonly queue: string;
  readonly #pool: DatabasePool;
  readonly #logger: Logger;
  readonly #visibilityTimeoutSeconds: number;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #queues: QueueRegistry;

  constructor(options: ReplyReaderOptions) {
    assertDomain(options.domain);
    this.domain = options.domain;
    this.queue = options.queue === undefined ? replyQueueName(options.domain) : options.queue;
    validateQueueName(this.queue);
    this.#pool = options.pool;
    this.#visibilityTimeoutSeconds =
      options.visibilityTimeoutSeconds ?? DEFAULTS.visibilityTimeoutSeconds;
    this.#batchSize = options.batchSize ?? 10;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    assertPositiveInteger('visibilityTimeoutSeconds', this.#visibilityTimeoutSeconds);
    assertPositiveInteger('batchSize', this.#batchSize);
    assertPositiveInteger('pollIntervalMs', this.#pollIntervalMs);
    this.#queues = new QueueRegistry(options.pool);
    this.#logger = (options.logger ?? defaultLogger()).child({
      domain: this.domain,
      queue: this.queue,
    });
  }

  /**
   * Reads the replies there are now (at most `batchSize`), hands each to
   * `handle` in order, and returns how many it handled. A reply leaves the
   * queue once `handle` returns: deleted, or archived when it is INVALID.
   * When `handle` throws, that reply stays in the queue and is read again
   * after `visibilityTimeoutSeconds`; the replies after it are put back at
   * once, and the error is rethrown.
   */
  async readOnce<TDefinition extends AnyDefinition>(
    definitions: TDefinition | readonly TDefinition[],
    handle: ReplyCallback<TDefinition>,
  ): Promise<number> {
    const byType = definitionsByType(definitions);
    if (this.queue === replyQueueName(this.domain)) await this.#queues.ensureCreated(this.queue);
    const messages = await read(this.#pool, {
      queue: this.queue,
      vt: this.#visibilityTimeoutSeconds,
      qty: this.#batchSize,
    });
    const origins = await this.#originsOfPythonReplies(messages.map((m) => m.message));
    for (const [index, message] of messages.entries()) {
      const reply = parseReply(
        message.msgId,
        message.message,
        byType,
        origins.get(commandIdOf(message.message)),
        message.enqueuedAt,
      ) as Reply<TDefinition>;
      try {
        await this.#settle(reply, handle);
      } catch (error) {
        await this.#putBack(messages.slice(index + 1).map((m) => m.msgId));
        throw error;
      }
    }
    return messages.length;
  }

  /** Reads and handles replies until `signal` aborts; rethrows what `handle` throws. */
  async run<TDefinition extends AnyDefinition>(
    definitions: TDefinition | readonly TDefinition[],
    handle: ReplyCallback<TDefinition>,
    options: { readonly signal: AbortSignal },
  ): Promise<void> {
    const { signal } = options;
    while (!signal.aborted) {
      const handled = await this.readOnce(definitions, handle);
      if (handled === 0) {
        await sleep(this.#pollIntervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #settle<TDefinition extends AnyDefinition>(
    reply: Reply<TDefinition>,
    handle: ReplyCallback<TDefinition>,
  ): Promise<void> {
    const transaction = new LazyTransaction(this.#pool);
    try {
      await handle(reply, { db: transaction.connection });
    } catch (error) {
      await transaction.rollback(error);
      throw error;
    }
    const leave = async (db: CommonQueryMethods) => {
      const input = { queue: this.queue, msgId: reply.msgId };
      await (reply.outcome === 'INVALID' ? archive(db, input) : deleteMessage(db, input));
    };
    if (transaction.used) await transaction.commit(leave);
    else await leave(this.#pool);
    if (reply.outcome === 'INVALID') {
      this.#logger.error({ msgId: reply.msgId, reason: reply.reason }, 'invalid reply archived');
    } else {
      this.#logger.debug(
        { commandId: reply.commandId, outcome: reply.outcome, msgId: reply.msgId },
        'reply read',
      );
    }
  }

  /**
   * A reply in the Python shape names neither domain nor command type: both
   * come from the command rows of this domain, in one query for the read.
   */
  async #originsOfPythonReplies(messages: readonly unknown[]): Promise<Map<string, ReplyOrigin>> {
    const commandIds = messages.flatMap((message) => {
      const parsed = parseReplyEnvelope(message);
      return 'envelope' in parsed && parsed.envelope.command_type === undefined
        ? [parsed.envelope.command_id]
        : [];
    });
    if (commandIds.length === 0) return new Map();
    const rows = await getCommands(this.#pool, { domain: this.domain, commandIds });
    return new Map(
      rows.map((row) => [row.commandId, { domain: row.domain, commandType: row.commandType }]),
    );
  }

  /** Replies read but not handed over: visible again for the next read. */
  async #putBack(msgIds: readonly number[]): Promise<void> {
    for (const msgId of msgIds) await setVt(this.#pool, { queue: this.queue, msgId, vt: 0 });
  }
}

function definitionsByType<TDefinition extends AnyDefinition>(
  definitions: TDefinition | readonly TDefinition[],
): Map<string, AnyDefinition> {
  const list: readonly TDefinition[] = Array.isArray(definitions)
    ? definitions
    : [definitions as TDefinition];
  return new Map(list.map((definition) => [definition.type, definition]));
}

function commandIdOf(message: unknown): string {
  const parsed = parseReplyEnvelope(message);
  return 'envelope' in parsed ? parsed.envelope.command_id : '';
}
