// Troubleshooting actions on one item, on chosen items or on every item
// matching a filter, through the domain-bound Operator so each is audited
// with the acting user's name. A retry of many is the Operator's set-based
// retryMany; cancel and complete go item by item (the Operator has no bulk
// form of them), a few at a time, each its own locked transaction.
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  CommandBusError,
  CommandNotFoundError,
  NotInTroubleshootingError,
  Operator,
  PayloadNotRetryableError,
} from '@commandbus/commandbus';
import { domainSchema, troubleshootingFilterSchema, uuidSchema } from '../filters.ts';

export const TROUBLESHOOTING_ACTIONS = ['retry', 'cancel', 'complete'] as const;
export type TroubleshootingAction = (typeof TROUBLESHOOTING_ACTIONS)[number];

export const ACTION_OUTCOMES = [
  'done',
  'not_in_troubleshooting',
  'not_found',
  'not_retryable',
  'failed',
] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

const resultDataSchema = z.record(z.string(), z.unknown()).nullable();

export const actionRequestSchema = z
  .object({
    domain: domainSchema,
    action: z.enum(TROUBLESHOOTING_ACTIONS),
    reason: z.string().trim().min(1).max(1000).optional(),
    resultData: resultDataSchema.optional(),
    target: z.union([
      z.object({ commandIds: z.array(uuidSchema).min(1).max(1000) }).strict(),
      z
        .object({
          filter: troubleshootingFilterSchema.omit({ domain: true }),
          /** The count the confirmation showed: reported back beside what matched. */
          expectedCount: z.number().int().min(0),
        })
        .strict(),
    ]),
  })
  .strict()
  .refine((body) => body.action !== 'cancel' || body.reason !== undefined, {
    message: 'a cancel needs a reason',
    path: ['reason'],
  });
export type ActionRequest = z.output<typeof actionRequestSchema>;

export interface ActionItemResult {
  readonly commandId: string;
  readonly outcome: ActionOutcome;
  readonly message?: string;
}

export interface ActionSummary {
  readonly action: TroubleshootingAction;
  readonly domain: string;
  /** Items the action was tried on. */
  readonly requested: number;
  readonly counts: Record<ActionOutcome, number>;
  readonly items: readonly ActionItemResult[];
}

export async function runAction(
  pool: DatabasePool,
  options: {
    readonly request: ActionRequest;
    readonly commandIds: readonly string[];
    readonly actor: string;
    readonly logger: Logger;
    readonly concurrency: number;
  },
): Promise<ActionSummary> {
  const { request, commandIds, actor, logger } = options;
  const operator = new Operator({ pool, domain: request.domain, actor, logger });
  let items: ActionItemResult[];
  if (request.action === 'retry') {
    const result = await operator.retryMany({ commandIds });
    items = result.items.map((item) => ({
      commandId: item.commandId,
      outcome: item.outcome === 'retried' ? 'done' : item.outcome,
      ...(item.reason ? { message: item.reason } : {}),
      ...(item.status ? { message: `status is ${item.status}` } : {}),
    }));
  } else {
    const act =
      request.action === 'cancel'
        ? (id: string) => operator.cancel(id, request.reason ?? '')
        : (id: string) => operator.complete(id, request.resultData ?? null);
    items = await mapLimited(commandIds, options.concurrency, async (commandId) => {
      try {
        await act(commandId);
        return { commandId, outcome: 'done' as const };
      } catch (error) {
        return { commandId, ...outcomeOf(error, logger, commandId) };
      }
    });
  }
  const counts = Object.fromEntries(ACTION_OUTCOMES.map((o) => [o, 0])) as Record<
    ActionOutcome,
    number
  >;
  for (const item of items) counts[item.outcome] += 1;
  logger.info(
    { action: request.action, domain: request.domain, actor, ...counts },
    'console action',
  );
  return { action: request.action, domain: request.domain, requested: items.length, counts, items };
}

function outcomeOf(
  error: unknown,
  logger: Logger,
  commandId: string,
): { outcome: ActionOutcome; message: string } {
  if (error instanceof NotInTroubleshootingError) {
    return { outcome: 'not_in_troubleshooting', message: error.message };
  }
  if (error instanceof CommandNotFoundError)
    return { outcome: 'not_found', message: error.message };
  if (error instanceof PayloadNotRetryableError) {
    return { outcome: 'not_retryable', message: error.message };
  }
  logger.error({ err: error, commandId }, 'console action failed');
  const message =
    error instanceof CommandBusError ? `${error.code}: ${error.message}` : 'internal error';
  return { outcome: 'failed', message };
}

async function mapLimited<T, R>(
  values: readonly T[],
  limit: number,
  work: (value: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(values.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, values.length) }, async () => {
    while (next < values.length) {
      const index = next++;
      results[index] = await work(values[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
