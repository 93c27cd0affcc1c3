// A command type is declared once, with the zod schema of its data (and of its
// reply), so that `send` and the handler are typed from the same declaration.
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

export type CommandData = Record<string, unknown>;

export interface CommandDefinition<
  TData extends CommandData = CommandData,
  TReply extends CommandData | void = CommandData | void,
> {
  readonly type: string;
  readonly data: z.ZodType<TData>;
  readonly reply?: z.ZodType<TReply>;
  /** Overrides the producer's max_attempts for this type. */
  readonly maxAttempts?: number;
  /** Overrides the worker's backoff for this type: seconds before retry n. */
  readonly backoffSeconds?: readonly number[];
}

export type DataOf<T> = T extends CommandDefinition<infer D, infer _R> ? D : never;
export type ReplyOf<T> = T extends CommandDefinition<infer _D, infer R> ? R : never;

const COMMAND_TYPE_RULE = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;

export function defineCommand<TData extends CommandData, TReply extends CommandData | void = void>(
  definition: CommandDefinition<TData, TReply>,
): CommandDefinition<TData, TReply> {
  assertCommandType(definition.type);
  if (definition.maxAttempts !== undefined)
    assertPositiveInteger('maxAttempts', definition.maxAttempts);
  if (definition.backoffSeconds !== undefined) assertBackoff(definition.backoffSeconds);
  return Object.freeze({ ...definition });
}

export function assertCommandType(type: string): void {
  if (!COMMAND_TYPE_RULE.test(type)) {
    throw new ConfigError(
      `command type ${JSON.stringify(type.slice(0, 80))} must match ${COMMAND_TYPE_RULE} (a letter, then up to 127 letters, digits, _ . : -)`,
    );
  }
}

export function assertPositiveInteger(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${field} must be a positive integer, got ${value}`);
  }
}

export function assertBackoff(backoffSeconds: readonly number[]): void {
  if (backoffSeconds.length === 0 || backoffSeconds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ConfigError(
      `backoffSeconds must be a non-empty list of non-negative whole seconds, got [${backoffSeconds.join(', ')}]`,
    );
  }
}
