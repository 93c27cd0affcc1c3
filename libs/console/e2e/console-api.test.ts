// The console's HTTP API against a real database and a running worker:
// authentication, roles, same-origin and CSRF rules, the statement timeout,
// keyset paging, and actions written to the audit trail with the user's name.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@commandbus/testing';
import { createConsole, type ConsoleIdentity } from '../src/index.ts';
import {
  auditOf,
  countWhere,
  DOMAIN,
  emailCustomer,
  OPERATOR,
  quietLogger,
  shipOrder,
  statusOf,
  useConsoleFixture,
  VIEWER,
} from './console-fixture.ts';

const fixture = useConsoleFixture();

function api(path: string, init: RequestInit & { user?: { name: string; password: string } } = {}) {
  const { console: running, basicAuth } = fixture();
  const headers = new Headers(init.headers);
  if (init.user) headers.set('authorization', basicAuth(init.user));
  return fetch(new URL(`api/${path}`, running.url), { ...init, headers });
}

async function sessionOf(user: { name: string; password: string }) {
  const response = await api('session', { user });
  expect(response.status).toBe(200);
  return (await response.json()) as { csrfToken: string; role: string; user: string };
}

/** A POST as the UI sends it: same origin, JSON, the user's CSRF token. */
async function act(
  user: { name: string; password: string },
  body: unknown,
  headers: Record<string, string> = {},
) {
  const { csrfToken } = await sessionOf(user);
  return api('troubleshooting/actions', {
    method: 'POST',
    user,
    headers: {
      origin: new URL(fixture().console.url).origin,
      'content-type': 'application/json',
      'x-csrf-token': csrfToken,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** Emails that bounce: each lands in the troubleshooting queue. */
async function troubleshootingItems(
  count: number,
  options: { batch?: boolean; note?: string } = {},
) {
  const { producer, db } = fixture();
  let batchId: string | undefined;
  const inputs = Array.from({ length: count }, () => ({
    commandId: randomUUID(),
    data: { orderId: `o-${randomUUID()}`, note: options.note ?? '' },
    replyTo: true as const,
  }));
  if (options.batch) {
    const batch = await producer.createBatch({
      name: 'bouncing emails',
      commands: inputs.map((input) => ({ command: emailCustomer, input })),
    });
    batchId = batch.batchId;
  } else {
    await producer.sendBatch(inputs.map((input) => ({ command: emailCustomer, input })));
  }
  const ids = inputs.map((input) => input.commandId!);
  await waitFor(
    async () => {
      for (const id of ids)
        if ((await statusOf(db, id)) !== 'IN_TROUBLESHOOTING_QUEUE') return false;
      return true;
    },
    { timeoutMs: 20_000, description: `${count} items in the troubleshooting queue` },
  );
  return { ids, batchId, orderIds: inputs.map((input) => input.data.orderId) };
}

describe('authentication and roles', () => {
  it('a request without credentials gets 401 with a basic-auth challenge and no data', async () => {
    const response = await api('overview');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await response.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'sign in to use the console' },
    });
    const wrong = await api('overview', { user: { name: OPERATOR.name, password: 'nope' } });
    expect(wrong.status).toBe(401);
    const page = await fetch(fixture().console.url);
    expect(page.status).toBe(401);
  });

  it('the session names the user and the role, and differs in its CSRF token per user', async () => {
    const alice = await sessionOf(OPERATOR);
    const victor = await sessionOf(VIEWER);
    expect([alice.user, alice.role]).toEqual(['alice', 'operator']);
    expect([victor.user, victor.role]).toEqual(['victor', 'viewer']);
    expect(alice.csrfToken).not.toBe(victor.csrfToken);
  });

  it('a viewer reads everything, and an action of theirs is refused with 403 and changes nothing', async () => {
    const { db } = fixture();
    const { ids } = await troubleshootingItems(1);
    const read = await api(`commands/${DOMAIN}/${ids[0]}`, { user: VIEWER });
    expect(read.status).toBe(200);
    const response = await act(VIEWER, {
      domain: DOMAIN,
      action: 'cancel',
      reason: 'not allowed',
      target: { commandIds: ids },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
    expect((await auditOf(db, ids[0]!)).map((row) => row.event_type)).not.toContain(
      'OPERATOR_CANCEL',
    );
  });
});

describe('state changes', () => {
  it('a cross-origin POST is refused even with the operator’s credentials and CSRF token', async () => {
    const { db } = fixture();
    const { ids } = await troubleshootingItems(1);
    const body = { domain: DOMAIN, action: 'cancel', reason: 'csrf', target: { commandIds: ids } };
    const foreign = await act(OPERATOR, body, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const crossSite = await act(OPERATOR, body, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
  });

  it('a POST without the CSRF token, with another user’s token, or with a form body is refused', async () => {
    const { db } = fixture();
    const { ids } = await troubleshootingItems(1);
    const body = { domain: DOMAIN, action: 'cancel', reason: 'csrf', target: { commandIds: ids } };
    const origin = new URL(fixture().console.url).origin;
    const noToken = await api('troubleshooting/actions', {
      method: 'POST',
      user: OPERATOR,
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(noToken.status).toBe(403);
    const victorsToken = (await sessionOf(VIEWER)).csrfToken;
    const stolen = await act(OPERATOR, body, { 'x-csrf-token': victorsToken });
    expect(stolen.status).toBe(403);
    const form = await act(OPERATOR, body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
  });

  it('a retry through the API is audited with the operator’s name and the worker completes it', async () => {
    const { db, healed } = fixture();
    const { ids, orderIds } = await troubleshootingItems(1);
    healed.add(orderIds[0]!);
    const response = await act(OPERATOR, {
      domain: DOMAIN,
      action: 'retry',
      target: { commandIds: ids },
    });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as {
      requested: number;
      counts: Record<string, number>;
    };
    expect(summary.requested).toBe(1);
    expect(summary.counts.done).toBe(1);
    await waitFor(async () => (await statusOf(db, ids[0]!)) === 'COMPLETED', {
      timeoutMs: 20_000,
      description: 'the retried command to complete',
    });
    const retry = (await auditOf(db, ids[0]!)).find((row) => row.event_type === 'OPERATOR_RETRY');
    expect(retry?.details_json?.operator).toBe('alice');
  });

  it('cancel of all items matching a filter takes exactly the items the count showed', async () => {
    const { db } = fixture();
    const target = await troubleshootingItems(4, { batch: true });
    const bystander = await troubleshootingItems(1);
    const countResponse = await api(
      `troubleshooting/count?domain=${DOMAIN}&batch=${target.batchId}`,
      {
        user: OPERATOR,
      },
    );
    expect(await countResponse.json()).toEqual({ count: 4, more: false });
    const response = await act(OPERATOR, {
      domain: DOMAIN,
      action: 'cancel',
      reason: 'customer left',
      target: { filter: { batch: target.batchId }, expectedCount: 4 },
    });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as {
      requested: number;
      counts: Record<string, number>;
    };
    expect(summary).toMatchObject({ requested: 4, counts: { done: 4, failed: 0 } });
    for (const id of target.ids) {
      expect(await statusOf(db, id)).toBe('CANCELED');
      const cancel = (await auditOf(db, id)).find((row) => row.event_type === 'OPERATOR_CANCEL');
      expect(cancel?.details_json).toMatchObject({ reason: 'customer left', operator: 'alice' });
    }
    expect(await statusOf(db, bystander.ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
  });

  it('complete with result data that is not a JSON object is refused with 400 and changes nothing', async () => {
    const { db } = fixture();
    const { ids } = await troubleshootingItems(1);
    const response = await act(OPERATOR, {
      domain: DOMAIN,
      action: 'complete',
      resultData: [1, 2],
      target: { commandIds: ids },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'INVALID_REQUEST',
    );
    expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
  });
});

describe('reads', () => {
  it('commands filtered by type and correlation id come newest first in keyset pages that never overlap', async () => {
    const { producer, db } = fixture();
    const correlationId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const id = randomUUID();
      ids.push(id);
      await producer.send(shipOrder, { commandId: id, correlationId, data: { orderId: `c-${i}` } });
    }
    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const query = `commands?type=shop.ShipOrder&correlation=${correlationId}&limit=3${after ? `&after=${after}` : ''}`;
      const response = await api(query, { user: VIEWER });
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        items: { commandId: string; createdAt: string }[];
        next: string | null;
      };
      seen.push(...page.items.map((item) => item.commandId));
      after = page.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual(
      (
        await db.pool.anyFirst(sql.type(
          (await import('zod')).z.object({ command_id: (await import('zod')).z.string() }),
        )`SELECT command_id FROM commandbus.command WHERE correlation_id = ${correlationId}
           ORDER BY created_at DESC, command_id DESC`)
      ).map(String),
    );
  });

  it('a malformed cursor or filter is a 400 with its code, not a query', async () => {
    const cursor = await api('commands?after=bm90LWEtY3Vyc29y', { user: VIEWER });
    expect(cursor.status).toBe(400);
    expect(((await cursor.json()) as { error: { code: string } }).error.code).toBe(
      'INVALID_CURSOR',
    );
    const status = await api('commands?status=DONE', { user: VIEWER });
    expect(status.status).toBe(400);
    expect(((await status.json()) as { error: { code: string } }).error.code).toBe(
      'INVALID_REQUEST',
    );
  });

  it('the overview counts equal SQL counts once the worker is idle', async () => {
    const { db } = fixture();
    await troubleshootingItems(2);
    await waitFor(
      async () => (await countWhere(db, 'PENDING')) + (await countWhere(db, 'IN_PROGRESS')) === 0,
      {
        timeoutMs: 20_000,
        description: 'the worker to be idle',
      },
    );
    const overview = (await (await api('overview', { user: VIEWER })).json()) as {
      domains: { domain: string; statusCounts: Record<string, { count: number; more: boolean }> }[];
    };
    const shop = overview.domains.find((d) => d.domain === DOMAIN);
    expect(shop).toBeDefined();
    for (const status of ['IN_TROUBLESHOOTING_QUEUE', 'PENDING', 'IN_PROGRESS']) {
      expect(shop!.statusCounts[status]).toEqual({
        count: await countWhere(db, status),
        more: false,
      });
    }
  });

  it('a read that passes the statement timeout answers 503 STATEMENT_TIMEOUT and frees its connection', async () => {
    const { db } = fixture();
    const handler = createConsole({
      pool: db.pool,
      authorize: (): ConsoleIdentity => ({ user: 'tester', role: 'viewer' }),
      statementTimeoutMs: 200,
      logger: quietLogger,
    });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await db.pool.transaction(async (tx) => {
        // Holding this lock makes every read of the table wait: the timeout ends the wait.
        await tx.query(sql.unsafe`LOCK TABLE commandbus.command IN ACCESS EXCLUSIVE MODE`);
        const response = await fetch(`http://127.0.0.1:${port}/api/commands?domain=${DOMAIN}`);
        expect(response.status).toBe(503);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
          'STATEMENT_TIMEOUT',
        );
      });
      const after = await fetch(`http://127.0.0.1:${port}/api/commands?domain=${DOMAIN}&limit=1`);
      expect(after.status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('every response carries a CSP without inline scripts and the page loads its script from a file', async () => {
    const response = await fetch(fixture().console.url, {
      headers: { authorization: fixture().basicAuth(VIEWER) },
    });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await response.text();
    for (const tag of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(tag).toMatch(/^<script[^>]* src="[^"]+"[^>]*><\/script>$/);
    }
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('no response carries the database password', async () => {
    const { db } = fixture();
    const password = new URL(db.url).password;
    const commandId = (await troubleshootingItems(1)).ids[0];
    const paths = [
      'session',
      'overview',
      'commands',
      `commands/${DOMAIN}/${commandId}`,
      'queues',
      'batches',
      `troubleshooting?domain=${DOMAIN}`,
    ];
    for (const path of paths) {
      const text = await (await api(path, { user: OPERATOR })).text();
      expect(text.length).toBeGreaterThan(2);
      if (password) expect(text).not.toContain(password);
      expect(text).not.toContain(db.url);
    }
  });
});

describe('embedding', () => {
  it('under a path prefix of a node:http server and behind an Express-style mount, pages and API answer with the prefix in <base>', async () => {
    const { db } = fixture();
    const identity: ConsoleIdentity = { user: 'host-user', role: 'viewer' };
    const withBase = createConsole({
      pool: db.pool,
      authorize: () => identity,
      basePath: '/ops',
      logger: quietLogger,
    });
    const expressStyle = createConsole({
      pool: db.pool,
      authorize: () => identity,
      logger: quietLogger,
    });
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/ops')) return withBase(req, res);
      if (req.url?.startsWith('/admin/console')) {
        // What Express's app.use('/admin/console', handler) hands over.
        Object.assign(req, {
          originalUrl: req.url,
          url: req.url.slice('/admin/console'.length) || '/',
        });
        return expressStyle(req, res);
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const page = await fetch(`http://127.0.0.1:${port}/ops/commands?domain=shop`);
      expect(await page.text()).toContain('<base href="/ops/">');
      const session = await fetch(`http://127.0.0.1:${port}/ops/api/session`);
      expect(((await session.json()) as { user: string }).user).toBe('host-user');
      const mounted = await fetch(`http://127.0.0.1:${port}/admin/console/troubleshooting`);
      expect(await mounted.text()).toContain('<base href="/admin/console/">');
      const asset = await fetch(`http://127.0.0.1:${port}/admin/console/assets/app.js`);
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      const refused = createConsole({ pool: db.pool, authorize: () => null, logger: quietLogger });
      const other = createServer(refused);
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const otherPort = (other.address() as { port: number }).port;
      const denied = await fetch(`http://127.0.0.1:${otherPort}/api/overview`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBeNull();
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
