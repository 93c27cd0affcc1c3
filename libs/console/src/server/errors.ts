// Maps what a request can fail with to an HTTP status and a JSON body. Only
// the console's and the command bus's own errors show their message; anything
// else is logged and answered "internal error", so no connection string or
// SQL reaches the browser.
import type { Logger } from 'pino';
import { StatementTimeoutError } from 'slonik';
import { z } from 'zod';
import {
  BatchNotFoundError,
  CommandBusError,
  CommandNotFoundError,
  InvalidInputError,
  NotInTroubleshootingError,
  PayloadNotRetryableError,
} from '@commandbus/commandbus';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function errorResponse(status: number, code: string, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status });
}

export function toErrorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return errorResponse(400, 'INVALID_REQUEST', `${where}${issue?.message ?? 'invalid request'}`);
  }
  if (error instanceof InvalidInputError) return errorResponse(400, error.code, error.message);
  if (error instanceof CommandNotFoundError || error instanceof BatchNotFoundError) {
    return errorResponse(404, error.code, error.message);
  }
  if (error instanceof NotInTroubleshootingError || error instanceof PayloadNotRetryableError) {
    return errorResponse(409, error.code, error.message);
  }
  if (error instanceof StatementTimeoutError) {
    logger.warn({ err: error }, 'console query hit the statement timeout');
    return errorResponse(503, 'STATEMENT_TIMEOUT', 'the query took too long; narrow the filter');
  }
  logger.error({ err: error }, 'console request failed');
  if (error instanceof CommandBusError && error.code === 'INVALID_ARGUMENT') {
    return errorResponse(400, error.code, error.message);
  }
  return errorResponse(500, 'INTERNAL', 'internal error');
}
