// The console's JSON API: reads under a statement timeout, actions for
// operators only. Mounted under /api by createConsole.
import { Hono } from 'hono';
import type { DatabasePool } from 'slonik';
import type { Logger } from 'pino';
import { BATCH_STATUSES, COMMAND_STATUSES } from '@commandbus/commandbus/internals';
import {
  batchFilterSchema,
  commandFilterSchema,
  domainSchema,
  troubleshootingFilterSchema,
  troubleshootingListSchema,
  uuidSchema,
} from '../filters.ts';
import { listBatchPage } from '../queries/batches.ts';
import { readBatchDetails, readCommandDetails } from '../queries/details.ts';
import { listDomains } from '../queries/domains.ts';
import { listCommandPage } from '../queries/list-commands.ts';
import { readOverview, SETTLED_STATUSES } from '../queries/overview.ts';
import { listQueueNames, queueStats } from '../queries/queue-stats.ts';
import { readOnly } from '../queries/read-only.ts';
import {
  countTroubleshooting,
  listTroubleshootingPage,
  matchingTroubleshootingIds,
} from '../queries/troubleshooting.ts';
import { CONSOLE_DEFAULTS } from '../defaults.ts';
import { actionRequestSchema, runAction, TROUBLESHOOTING_ACTIONS } from './bulk-actions.ts';
import { errorResponse, toErrorResponse } from './errors.ts';
import type { ConsoleIdentity } from './identity.ts';
import { csrfToken } from './security.ts';

export interface ApiSettings {
  readonly pool: DatabasePool;
  readonly logger: Logger;
  readonly csrfSecret: Uint8Array;
  readonly statementTimeoutMs: number;
  readonly pageSize: number;
  readonly countCap: number;
  readonly bulkCap: number;
  readonly bulkConcurrency: number;
  readonly chartMinutes: number;
}

export type ApiEnv = { Variables: { identity: ConsoleIdentity } };

/** The actions a command's status allows (the troubleshooting actions, in its queue). */
function actionsFor(status: string): readonly string[] {
  return status === 'IN_TROUBLESHOOTING_QUEUE' ? TROUBLESHOOTING_ACTIONS : [];
}

export function consoleApi(settings: ApiSettings): Hono<ApiEnv> {
  const { pool, logger } = settings;
  const read = <T>(work: Parameters<typeof readOnly<T>>[2]) =>
    readOnly(pool, settings.statementTimeoutMs, work);
  const api = new Hono<ApiEnv>();
  api.onError((error) => toErrorResponse(error, logger));
  api.notFound(() => errorResponse(404, 'NOT_FOUND', 'no such API route'));

  api.get('/session', async (c) => {
    const identity = c.get('identity');
    const domains = await read((db) => listDomains(db));
    return c.json({
      user: identity.user,
      role: identity.role,
      csrfToken: csrfToken(settings.csrfSecret, identity.user),
      domains,
      commandStatuses: COMMAND_STATUSES,
      batchStatuses: BATCH_STATUSES,
      settledStatuses: SETTLED_STATUSES,
      countCap: settings.countCap,
      bulkCap: settings.bulkCap,
    });
  });

  api.get('/overview', async (c) => {
    const domain = c.req.query('domain');
    const overview = await read((db) =>
      readOverview(db, {
        cap: settings.countCap,
        statusCap: Math.min(settings.countCap, CONSOLE_DEFAULTS.liveCountCap),
        minutes: settings.chartMinutes,
        ...(domain ? { domain: domainSchema.parse(domain) } : {}),
      }),
    );
    return c.json(overview);
  });

  api.get('/commands', async (c) => {
    const filter = commandFilterSchema.parse(c.req.query());
    return c.json(await read((db) => listCommandPage(db, filter, settings.pageSize)));
  });

  api.get('/commands/:domain/:commandId', async (c) => {
    const domain = domainSchema.parse(c.req.param('domain'));
    const commandId = uuidSchema.parse(c.req.param('commandId'));
    const details = await read((db) => readCommandDetails(db, domain, commandId));
    return c.json({ ...details, actions: actionsFor(details.command.status) });
  });

  api.get('/troubleshooting', async (c) => {
    const filter = troubleshootingListSchema.parse(c.req.query());
    return c.json(
      await read((db) =>
        listTroubleshootingPage(db, filter, {
          pageSize: settings.pageSize,
          cap: Math.min(settings.countCap, CONSOLE_DEFAULTS.liveCountCap),
        }),
      ),
    );
  });

  api.get('/troubleshooting/count', async (c) => {
    const filter = troubleshootingFilterSchema.parse(c.req.query());
    return c.json(await read((db) => countTroubleshooting(db, filter, settings.bulkCap)));
  });

  api.post('/troubleshooting/actions', async (c) => {
    const request = actionRequestSchema.parse(await c.req.json());
    const identity = c.get('identity');
    const target = request.target;
    const commandIds =
      'commandIds' in target
        ? [...new Set(target.commandIds)]
        : await read((db) =>
            matchingTroubleshootingIds(
              db,
              { domain: request.domain, ...target.filter },
              settings.bulkCap,
            ),
          );
    const summary = await runAction(pool, {
      request,
      commandIds,
      actor: identity.user,
      logger,
      concurrency: settings.bulkConcurrency,
    });
    return c.json({
      ...summary,
      ...('expectedCount' in target ? { expectedCount: target.expectedCount } : {}),
    });
  });

  api.get('/batches', async (c) => {
    const filter = batchFilterSchema.parse(c.req.query());
    return c.json(await read((db) => listBatchPage(db, filter, settings.pageSize)));
  });

  api.get('/batches/:domain/:batchId', async (c) => {
    const domain = domainSchema.parse(c.req.param('domain'));
    const batchId = uuidSchema.parse(c.req.param('batchId'));
    const after = c.req.query('after');
    const result = await read(async (db) => {
      const details = await readBatchDetails(db, domain, batchId);
      const commands = await listCommandPage(
        db,
        commandFilterSchema.parse({ domain, batch: batchId, after }),
        settings.pageSize,
      );
      return { ...details, commands };
    });
    return c.json(result);
  });

  api.get('/queues', async (c) => {
    const queues = await read(async (db) => {
      const names = await listQueueNames(db);
      const stats = [];
      for (const name of names) stats.push(await queueStats(db, name, settings.countCap));
      return stats;
    });
    return c.json({ queues });
  });

  return api;
}
