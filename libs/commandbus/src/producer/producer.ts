// The producer API: send one command, many, or a batch, each atomically and,
// when given a connection, inside the caller's own transaction. The domain is
// bound (and checked) once, at construction.
import { randomUUID } from 'node:crypto';
import {
  UniqueIntegrityConstraintViolationError,
  type CommonQueryMethods,
  type DatabasePool,
} from 'slonik';
import { assertDomain, InvalidInputError, insertBatch } from '@commandbus/commandbus-schema';
import type { Logger } from 'pino';
import type { CommandData, CommandDefinition } from '../command-definition.ts';
import { assertCommandType, assertPositiveInteger } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { DuplicateBatchError, DuplicateCommandError } from '../errors.ts';
import { defaultLogger } from '../logger.ts';
import { commandQueueName, replyQueueName } from '../names.ts';
import { countSent } from '../observability/count-sent.ts';
import { commandBusMetrics, type MetricsOptions } from '../observability/metrics.ts';
import { traceSend } from '../observability/tracing.ts';
import { QueueRegistry } from '../queue-registry.ts';
import { enqueuePrepared, type SendResult } from './enqueue-prepared.ts';
import {
  canonicalUuid,
  prepareCommand,
  type PrepareContext,
  type PreparedCommand,
  type SendInput,
} from './prepare-command.ts';

export interface ProducerOptions {
  readonly pool: DatabasePool;
  readonly domain: string;
  /** Default max_attempts of commands whose type sets none. Default 3. */
  readonly maxAttempts?: number;
  /** Largest serialised `data`; larger is PAYLOAD_TOO_LARGE before any SQL. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  readonly logger?: Logger;
  /** Counts sent commands in a prom-client registry (docs/observability.md). Default: none. */
  readonly metrics?: MetricsOptions;
}

export interface SendOptions {
  /** A transaction (or any connection) of the caller's: the command commits with it. */
  readonly connection?: CommonQueryMethods;
}

/** One item of a mixed-type `sendBatch`. */
export interface BatchItem<TData extends CommandData = CommandData> {
  readonly command: CommandDefinition<TData, CommandData | void>;
  readonly input: SendInput<TData>;
}

export interface CreateBatchInput {
  readonly batchId?: string;
  readonly name?: string | null;
  readonly customData?: Record<string, unknown> | null;
  readonly commands: readonly BatchItem[];
}

export interface CreateBatchResult {
  readonly batchId: string;
  readonly commands: readonly SendResult[];
}

export type { SendResult };

/** Frozen definitions (every defineCommand result) whose type has been checked. */
const checkedDefinitions = new WeakSet<object>();

/**
 * A definition from defineCommand has a valid type already; one built by
 * hand is checked here. A frozen one is checked once: its type cannot change.
 */
function assertDefinition(definition: CommandDefinition<CommandData, CommandData | void>): void {
  if (checkedDefinitions.has(definition)) return;
  assertCommandType(definition.type);
  if (Object.isFrozen(definition)) checkedDefinitions.add(definition);
}

export class Producer {
  readonly domain: string;
  readonly #pool: DatabasePool;
  readonly #maxAttempts: number;
  readonly #maxPayloadBytes: number;
  readonly #logger: Logger;
  readonly #queues: QueueRegistry;
  readonly #commandQueue: string;
  readonly #sentCounter: ReturnType<typeof commandBusMetrics>['sent'] | undefined;

  constructor(options: ProducerOptions) {
    assertDomain(options.domain);
    this.domain = options.domain;
    this.#pool = options.pool;
    this.#maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULTS.maxPayloadBytes;
    assertPositiveInteger('maxAttempts', this.#maxAttempts);
    assertPositiveInteger('maxPayloadBytes', this.#maxPayloadBytes);
    this.#queues = new QueueRegistry(options.pool);
    this.#commandQueue = commandQueueName(this.domain);
    this.#logger = (options.logger ?? defaultLogger()).child({ domain: this.domain });
    this.#sentCounter = options.metrics && commandBusMetrics(options.metrics.registry).sent;
  }

  /** Sends one command; a known command_id is reported as `duplicate`, never enqueued twice. */
  async send<TData extends CommandData>(
    command: CommandDefinition<TData, CommandData | void>,
    input: SendInput<TData>,
    options: SendOptions = {},
  ): Promise<SendResult> {
    // The common case on its own path: one envelope, no sets or maps to
    // build for a call that can hold neither a repeated id nor a second type.
    assertDefinition(command);
    const prepared = prepareCommand(command, input, this.#context(null));
    await this.#queues.ensureCreated(this.#commandQueue, options.connection);
    if (prepared.envelope.reply_to !== null) {
      await this.#ensureReplyQueue(prepared.envelope.reply_to, options.connection);
    }
    const [result] = await traceSend(
      this.#commandQueue,
      1,
      (headers) =>
        enqueuePrepared(options.connection ?? this.#pool, this.domain, null, [prepared], headers),
      sentIds,
    );
    if (!result) throw new Error('unreachable: one command in, one result out');
    this.#logSent([result], [prepared]);
    return result;
  }

  /** Sends many commands with set-based SQL: one statement for all of them, not one per command. */
  sendBatch(items: readonly BatchItem[], options: SendOptions = {}): Promise<SendResult[]> {
    return this.#send(items, options.connection);
  }

  /**
   * Creates a batch and its commands in one transaction. Every command must be
   * new: a duplicate would leave the batch's total_count unreachable, so it is
   * a DuplicateCommandError and nothing is written. A batch id that exists is
   * a DuplicateBatchError, and nothing is written either.
   */
  async createBatch(
    input: CreateBatchInput,
    options: SendOptions = {},
  ): Promise<CreateBatchResult> {
    if (input.commands.length === 0) {
      throw new InvalidInputError(
        'INVALID_ARGUMENT',
        'commands: a batch needs at least one command, got 0',
      );
    }
    const batchId = canonicalUuid('batchId', input.batchId ?? randomUUID());
    const prepared = this.#prepareAll(input.commands, batchId);
    await this.#ensureQueues(prepared, options.connection);
    const results = await (options.connection ?? this.#pool).transaction(async (tx) => {
      await insertBatch(tx, {
        domain: this.domain,
        batchId,
        name: input.name ?? null,
        customData: input.customData ?? null,
        totalCount: prepared.length,
      }).catch((error: unknown) => {
        if (
          error instanceof UniqueIntegrityConstraintViolationError &&
          error.constraint === 'batch_pkey'
        ) {
          throw new DuplicateBatchError(this.domain, batchId, { cause: error });
        }
        throw error;
      });
      const enqueued = await traceSend(
        this.#commandQueue,
        prepared.length,
        (headers) => enqueuePrepared(tx, this.domain, batchId, prepared, headers),
        sentIds,
      );
      const duplicates = enqueued.filter((r) => r.duplicate).map((r) => r.commandId);
      if (duplicates.length > 0) throw new DuplicateCommandError(this.domain, duplicates);
      return enqueued;
    });
    if (this.#sentCounter) countSent(this.#sentCounter, this.domain, results, prepared);
    this.#logger.info({ batchId, commands: results.length }, 'batch created');
    return { batchId, commands: results };
  }

  /** The one send path, for one command or many: validate all, then one statement. */
  async #send(
    items: readonly BatchItem[],
    connection: CommonQueryMethods | undefined,
  ): Promise<SendResult[]> {
    if (items.length === 0) return [];
    const prepared = this.#prepareAll(items, null);
    await this.#ensureQueues(prepared, connection);
    // One statement, atomic by itself: no transaction of our own needed.
    const results = await traceSend(
      this.#commandQueue,
      prepared.length,
      (headers) => enqueuePrepared(connection ?? this.#pool, this.domain, null, prepared, headers),
      sentIds,
    );
    this.#logSent(results, prepared);
    return results;
  }

  #context(batchId: string | null): PrepareContext {
    return {
      domain: this.domain,
      maxAttempts: this.#maxAttempts,
      maxPayloadBytes: this.#maxPayloadBytes,
      batchId,
      createdAt: new Date().toISOString(),
    };
  }

  #prepareAll(items: readonly BatchItem[], batchId: string | null): PreparedCommand[] {
    const context = this.#context(batchId);
    // Once per definition in the call rather than once per command.
    for (const definition of new Set(items.map((item) => item.command))) {
      assertDefinition(definition);
    }
    const prepared = items.map(({ command, input }) => prepareCommand(command, input, context));
    const seen = new Set<string>();
    for (const { envelope } of prepared) {
      if (seen.has(envelope.command_id)) {
        throw new InvalidInputError(
          'INVALID_ARGUMENT',
          `commands: command_id ${envelope.command_id} appears twice in one call`,
        );
      }
      seen.add(envelope.command_id);
    }
    return prepared;
  }

  /**
   * Queues are created outside the caller's transaction: creating a queue is
   * idempotent DDL that must not roll back with a business write. A reply
   * queue other than the domain's own must already exist.
   */
  async #ensureQueues(
    prepared: readonly PreparedCommand[],
    connection?: CommonQueryMethods,
  ): Promise<void> {
    await this.#queues.ensureCreated(this.#commandQueue, connection);
    const replyQueues = new Set<string>();
    for (const { envelope } of prepared) {
      if (envelope.reply_to !== null) replyQueues.add(envelope.reply_to);
    }
    for (const queue of replyQueues) await this.#ensureReplyQueue(queue, connection);
  }

  #ensureReplyQueue(queue: string, connection: CommonQueryMethods | undefined): Promise<void> {
    return queue === replyQueueName(this.domain)
      ? this.#queues.ensureCreated(queue, connection)
      : this.#queues.assertExists(queue, connection);
  }

  /**
   * Creates the domain's command and reply queues. Call it once at start-up
   * when commands are sent inside your own transactions: without it, those
   * sends create the queues inside your transactions (DDL, and a round trip
   * each) until one of them has committed, and only then remember them.
   */
  async setup(): Promise<void> {
    await this.#queues.ensureCreated(this.#commandQueue);
    await this.#queues.ensureCreated(replyQueueName(this.domain));
  }

  /** `results` and `prepared` are aligned, one per command. */
  #logSent(results: readonly SendResult[], prepared: readonly PreparedCommand[]): void {
    if (this.#sentCounter) countSent(this.#sentCounter, this.domain, results, prepared);
    for (const result of results) {
      if (result.duplicate)
        this.#logger.info({ commandId: result.commandId }, 'duplicate command ignored');
      else this.#logger.debug({ commandId: result.commandId, msgId: result.msgId }, 'command sent');
    }
  }
}

function sentIds(results: readonly SendResult[]): (number | null)[] {
  return results.map((result) => result.msgId);
}
