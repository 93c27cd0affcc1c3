// What a handler sees and returns. Its writes go through `db`, the
// transaction that also finishes the command, so they commit together.
import type { CommonQueryMethods } from 'slonik';
import type { Logger } from 'pino';
import type { CommandData, CommandDefinition } from '../command-definition.ts';

export interface ReceivedCommand<TData extends CommandData = CommandData> {
  readonly domain: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly data: TData;
  readonly correlationId: string | null;
  readonly batchId: string | null;
  readonly replyTo: string | null;
  readonly createdAt: string;
}

export interface HandlerContext<TData extends CommandData = CommandData> {
  readonly command: ReceivedCommand<TData>;
  /** 1 on the first delivery. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * The finishing transaction, opened on first use: writes here commit
   * exactly when the command completes, and roll back when it does not.
   */
  readonly db: CommonQueryMethods;
  /** Aborted when the worker shuts down and the grace period is over. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export type CommandHandler<TData extends CommandData, TReply extends CommandData | void> = (
  context: HandlerContext<TData>,
) => Promise<TReply> | TReply;

export interface RegisteredHandler {
  readonly definition: CommandDefinition<CommandData, CommandData | void>;
  readonly handle: CommandHandler<CommandData, CommandData | void>;
}
