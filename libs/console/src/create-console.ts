// createConsole: the operator console as a node:http request handler, for
// node:http, Express, Fastify or any host that hands over (req, res), under
// any path prefix. Every request is authorized first; state changes need an
// operator, the same origin, a JSON body and the CSRF token.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { defaultLogger } from '@commandbus/commandbus/internals';
import { CONSOLE_DEFAULTS } from './defaults.ts';
import { consoleApi, type ApiEnv } from './server/api.ts';
import { ASSET_TYPES, indexHtml, loadAssets } from './server/assets.ts';
import { errorResponse, toErrorResponse } from './server/errors.ts';
import type { Authorize } from './server/identity.ts';
import {
  CONTENT_SECURITY_POLICY,
  CSRF_HEADER,
  crossOriginReason,
  csrfTokenMatches,
  isJsonRequest,
} from './server/security.ts';

export interface ConsoleOptions {
  readonly pool: DatabasePool;
  /** Who a request comes from; null refuses it with 401. */
  readonly authorize: Authorize;
  /** Sent as WWW-Authenticate with a 401 (the standalone console's basic auth). */
  readonly challenge?: string;
  /**
   * The path the console is mounted under when the host passes the whole URL
   * (node:http, Fastify's raw request). Express's `app.use('/ops', …)` needs
   * none: its `originalUrl` tells. Default ''.
   */
  readonly basePath?: string;
  readonly logger?: Logger;
  /** Signs the CSRF tokens. Default: random per console, so tokens end with the process. */
  readonly csrfSecret?: Uint8Array;
  /** statement_timeout of every read; default 3000 ms. */
  readonly statementTimeoutMs?: number;
  /** Rows per page; default 50. */
  readonly pageSize?: number;
  /** Counts stop here ("10,000+"); default 10,000. */
  readonly countCap?: number;
  /** Most items one "all matching" action takes; default 10,000. */
  readonly bulkCap?: number;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => void;

type ConsoleEnv = ApiEnv & { Bindings: HttpBindings };

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function createConsole(options: ConsoleOptions): ConsoleHandler {
  const logger = (options.logger ?? defaultLogger()).child({ component: 'console' });
  const csrfSecret = options.csrfSecret ?? randomBytes(32);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const prefixes = new WeakMap<IncomingMessage, string>();

  const app = new Hono<ConsoleEnv>();
  app.onError((error) => toErrorResponse(error, logger));
  app.use(
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
    }),
  );
  app.use(async (c, next) => {
    const identity = await options.authorize(c.req.raw);
    if (!identity) {
      const response = errorResponse(401, 'UNAUTHORIZED', 'sign in to use the console');
      if (options.challenge) response.headers.set('www-authenticate', options.challenge);
      return response;
    }
    c.set('identity', identity);
    if (!SAFE_METHODS.has(c.req.method)) {
      const refusal = stateChangeRefusal(c.req.raw, identity, csrfSecret);
      if (refusal) {
        logger.warn({ user: identity.user, path: c.req.path, refusal }, 'console refused a change');
        return errorResponse(403, 'FORBIDDEN', refusal);
      }
    }
    await next();
  });
  app.use('/api/*', bodyLimit({ maxSize: 1024 * 1024 }));
  app.route(
    '/api',
    consoleApi({
      pool: options.pool,
      logger,
      csrfSecret,
      statementTimeoutMs: options.statementTimeoutMs ?? CONSOLE_DEFAULTS.statementTimeoutMs,
      pageSize: options.pageSize ?? CONSOLE_DEFAULTS.pageSize,
      countCap: options.countCap ?? CONSOLE_DEFAULTS.countCap,
      bulkCap: options.bulkCap ?? CONSOLE_DEFAULTS.bulkCap,
      bulkConcurrency: CONSOLE_DEFAULTS.bulkConcurrency,
      chartMinutes: CONSOLE_DEFAULTS.chartMinutes,
    }),
  );
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = ASSET_TYPES[name];
    const body = type ? (await loadAssets()).get(name) : undefined;
    if (!type || !body) return c.text('not found', 404);
    return c.body(new Uint8Array(body), 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
  app.get('*', async (c) => {
    await loadAssets();
    return c.html(indexHtml(prefixes.get(c.env.incoming) ?? ''), 200, {
      'cache-control': 'no-store',
    });
  });

  const listener = getRequestListener((request, env) => app.fetch(request, env));
  return (req, res) => {
    const { url, prefix } = splitMount(req, basePath);
    prefixes.set(req, prefix);
    req.url = url;
    void listener(req, res);
  };
}

function stateChangeRefusal(
  request: Request,
  identity: { user: string; role: string },
  secret: Uint8Array,
): string | null {
  const crossOrigin = crossOriginReason(request);
  if (crossOrigin) return `cross-origin request refused: ${crossOrigin}`;
  if (!isJsonRequest(request)) return 'a change must be sent as application/json';
  if (!csrfTokenMatches(secret, identity.user, request.headers.get(CSRF_HEADER))) {
    return 'missing or wrong CSRF token';
  }
  if (identity.role !== 'operator')
    return `${identity.user} is a viewer and cannot change anything`;
  return null;
}

/** The URL within the console, and the path prefix the console is mounted under. */
function splitMount(req: IncomingMessage, basePath: string): { url: string; prefix: string } {
  const url = req.url ?? '/';
  if (
    basePath !== '' &&
    (url === basePath || url.startsWith(`${basePath}/`) || url.startsWith(`${basePath}?`))
  ) {
    const rest = url.slice(basePath.length);
    return { url: rest.startsWith('/') ? rest : `/${rest}`, prefix: basePath };
  }
  const original = (req as IncomingMessage & { originalUrl?: string }).originalUrl;
  if (original && original !== url) {
    const originalPath = original.split('?')[0] ?? '';
    const path = url.split('?')[0] ?? '/';
    const prefix =
      path === '/' ? originalPath.replace(/\/+$/, '') : originalPath.slice(0, -path.length);
    return { url, prefix };
  }
  return { url, prefix: '' };
}
