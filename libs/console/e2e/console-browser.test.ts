// The console in headless Chromium with a real worker running: the pages show
// what SQL says, actions clicked in the UI change the database, a viewer
// cannot act, hostile input stays text, and axe-core finds no serious or
// critical accessibility problem. CONSOLE_SCREENSHOTS=1 saves every page to
// docs/console/.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@commandbus/testing';
import {
  launchChromium,
  openPage,
  seriousViolations,
  type BrowserSession,
  type TrackedPage,
} from './browser.ts';
import {
  auditOf,
  countWhere,
  emailCustomer,
  OPERATOR,
  shipOrder,
  statusOf,
  useConsoleFixture,
  VIEWER,
} from './console-fixture.ts';

const fixture = useConsoleFixture();
let chromium: BrowserSession;
const pages: TrackedPage[] = [];
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/console/', import.meta.url))
  : undefined;

beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
});

async function asUser(user: { name: string; password: string }): Promise<TrackedPage> {
  const tracked = await openPage(chromium, { username: user.name, password: user.password });
  pages.push(tracked);
  return tracked;
}

async function finish(tracked: TrackedPage): Promise<void> {
  expect(tracked.errors).toEqual([]);
  expect(tracked.dialogs).toEqual([]);
  await tracked.context.close();
}

const url = (route: string) => new URL(route.replace(/^\//, ''), fixture().console.url).toString();

async function bouncing(count: number, options: { batch?: boolean; orderPrefix?: string } = {}) {
  const { producer, db } = fixture();
  const inputs = Array.from({ length: count }, () => ({
    commandId: randomUUID(),
    data: { orderId: `${options.orderPrefix ?? 'o'}-${randomUUID().slice(0, 8)}`, note: '' },
    replyTo: true as const,
  }));
  let batchId: string | undefined;
  if (options.batch) {
    batchId = (
      await producer.createBatch({
        name: `bouncing ${count}`,
        commands: inputs.map((input) => ({ command: emailCustomer, input })),
      })
    ).batchId;
  } else {
    await producer.sendBatch(inputs.map((input) => ({ command: emailCustomer, input })));
  }
  const ids = inputs.map((input) => input.commandId);
  await waitFor(
    async () => {
      for (const id of ids)
        if ((await statusOf(db, id)) !== 'IN_TROUBLESHOOTING_QUEUE') return false;
      return true;
    },
    { timeoutMs: 20_000, description: 'items in the troubleshooting queue' },
  );
  return { ids, batchId, orderIds: inputs.map((input) => input.data.orderId) };
}

async function workerIdle() {
  const { db } = fixture();
  await waitFor(
    async () => (await countWhere(db, 'PENDING')) + (await countWhere(db, 'IN_PROGRESS')) === 0,
    {
      timeoutMs: 20_000,
      description: 'the worker to be idle',
    },
  );
}

const en = (n: number) => n.toLocaleString('en');

describe('the console in a browser', () => {
  it('the overview shows the numbers SQL counts', async () => {
    const { db, producer } = fixture();
    await producer.send(shipOrder, { data: { orderId: 'overview' } });
    await bouncing(2);
    await workerIdle();
    const { page, ...tracked } = await asUser(VIEWER);
    await page.goto(url('/'));
    const card = page.locator('[data-domain="shop"]');
    for (const status of ['IN_TROUBLESHOOTING_QUEUE', 'PENDING', 'IN_PROGRESS']) {
      await expect
        .poll(() => card.locator(`[data-status="${status}"] .count`).textContent())
        .toBe(en(await countWhere(db, status)));
    }
    await expect
      .poll(() => card.locator('[data-figure="ov-tsq"] dd').textContent())
      .toBe(en(await countWhere(db, 'IN_TROUBLESHOOTING_QUEUE')));
    await expect.poll(() => card.locator('[data-figure="ov-visible"] dd').textContent()).toBe('0');
    await expect.poll(() => card.locator('svg[role="img"] rect.bar').count()).toBeGreaterThan(0);
    await finish({ page, ...tracked });
  });

  it('filters commands through the URL and opens one with its audit timeline', async () => {
    const { producer } = fixture();
    const correlationId = randomUUID();
    const commandId = randomUUID();
    await producer.send(shipOrder, {
      commandId,
      correlationId,
      data: { orderId: 'filter-me' },
      replyTo: true,
    });
    await waitFor(async () => (await statusOf(fixture().db, commandId)) === 'COMPLETED', {
      timeoutMs: 20_000,
      description: 'the command to complete',
    });
    const tracked = await asUser(VIEWER);
    const { page } = tracked;
    await page.goto(url('/commands'));
    await page.getByLabel('Type').fill('shop.ShipOrder');
    await page.getByLabel('Correlation id').fill(correlationId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((u) => u.searchParams.get('correlation') === correlationId);
    expect(new URL(page.url()).searchParams.get('type')).toBe('shop.ShipOrder');
    const rows = page.locator('table.commands tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('link').click();
    await page.waitForURL(`**/commands/shop/${commandId}`);
    const events = page.locator('ol.timeline li');
    await expect
      .poll(() =>
        events.evaluateAll((items) => items.map((item) => item.getAttribute('data-event'))),
      )
      .toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    await expect
      .poll(() => page.getByLabel('Reply').textContent())
      .toContain('"outcome": "SUCCESS"');
    // A shared link reproduces the filtered view.
    await page.goto(url(`/commands?type=shop.ShipOrder&correlation=${correlationId}`));
    await expect.poll(() => rows.count()).toBe(1);
    await finish(tracked);
  });

  it('filters batches by domain and status through the URL, and the form shows the filter it applied', async () => {
    const { producer, db } = fixture();
    // Its only command waits in the troubleshooting queue: the batch stays IN_PROGRESS.
    const open = await bouncing(1, { batch: true });
    const done = await producer.createBatch({
      name: 'shipped together',
      commands: [{ command: shipOrder, input: { data: { orderId: 'batch-filter' } } }],
    });
    await waitFor(async () => (await statusOf(db, done.commands[0]!.commandId)) === 'COMPLETED', {
      timeoutMs: 20_000,
      description: 'the batch’s command to complete',
    });
    const tracked = await asUser(VIEWER);
    const { page } = tracked;
    await page.goto(url('/batches'));
    await page.getByLabel('Domain').selectOption('shop');
    await page.getByLabel('Status').selectOption('IN_PROGRESS');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(
      (u) =>
        u.searchParams.get('domain') === 'shop' && u.searchParams.get('status') === 'IN_PROGRESS',
    );
    const rows = page.locator('tbody tr');
    await expect
      .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-batch-id'))))
      .toContain(open.batchId);
    expect(
      await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-batch-id'))),
    ).not.toContain(done.batchId);
    expect(new Set(await rows.locator('.badge').allTextContents())).toEqual(
      new Set(['IN_PROGRESS']),
    );
    expect(await page.getByLabel('Domain').inputValue()).toBe('shop');
    expect(await page.getByLabel('Status').inputValue()).toBe('IN_PROGRESS');
    await finish(tracked);
  });

  it('retries a troubleshooting item from the UI and shows it complete', async () => {
    const { db, healed } = fixture();
    const { ids, orderIds, batchId } = await bouncing(1, { batch: true });
    const tracked = await asUser(OPERATOR);
    const { page } = tracked;
    await page.goto(url(`/troubleshooting?domain=shop&batch=${batchId}`));
    await page.getByRole('button', { name: `Retry ${ids[0]}` }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Retry 1 item?');
    healed.add(orderIds[0]!);
    await dialog.getByRole('button', { name: 'Retry 1 item' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Retry: 1 of 1 done');
    await page.goto(url(`/commands/shop/${ids[0]}`));
    await expect
      .poll(() => page.locator('.actions-bar .badge').textContent(), { timeout: 20_000 })
      .toBe('COMPLETED');
    expect(await statusOf(db, ids[0]!)).toBe('COMPLETED');
    const retry = (await auditOf(db, ids[0]!)).find((row) => row.event_type === 'OPERATOR_RETRY');
    expect(retry?.details_json?.operator).toBe('alice');
    await finish(tracked);
  });

  it('cancels every item matching a filter after a confirmation that states how many', async () => {
    const { db } = fixture();
    const target = await bouncing(3, { batch: true });
    const bystander = await bouncing(1);
    const tracked = await asUser(OPERATOR);
    const { page } = tracked;
    await page.goto(url(`/troubleshooting?domain=shop&batch=${target.batchId}`));
    await expect.poll(() => page.locator('p.total').textContent()).toBe('3 matching');
    await page.locator('[data-action="all-cancel"]').click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Cancel 3 items?');
    await dialog.getByLabel(/Reason/).fill('customer left');
    await dialog.getByRole('button', { name: 'Cancel 3 items' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain('Cancel: 3 of 3 done');
    for (const id of target.ids) expect(await statusOf(db, id)).toBe('CANCELED');
    expect(await statusOf(db, bystander.ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
    await expect.poll(() => page.locator('p.total').textContent()).toBe('0 matching');
    await finish(tracked);
  });

  it('shows a viewer no action, and the API refuses the viewer’s request from the page', async () => {
    const { db } = fixture();
    const { ids, batchId } = await bouncing(1, { batch: true });
    const tracked = await asUser(VIEWER);
    const { page } = tracked;
    await page.goto(url(`/troubleshooting?domain=shop&batch=${batchId}`));
    await expect.poll(() => page.locator('table.troubleshooting tbody tr').count()).toBe(1);
    expect(await page.getByRole('button', { name: /Retry|Cancel|Complete/ }).count()).toBe(0);
    await page.goto(url(`/commands/shop/${ids[0]}`));
    await expect
      .poll(() => page.locator('.actions-bar .badge').textContent())
      .toBe('IN_TROUBLESHOOTING_QUEUE');
    expect(await page.locator('.actions-bar button').count()).toBe(0);
    const status = await page.evaluate(async (commandId) => {
      const session = (await (await fetch('api/session')).json()) as { csrfToken: string };
      const response = await fetch('api/troubleshooting/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({
          domain: 'shop',
          action: 'retry',
          target: { commandIds: [commandId] },
        }),
      });
      return response.status;
    }, ids[0]!);
    expect(status).toBe(403);
    expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
    tracked.errors.splice(0); // the refused fetch logs its 403 in the console, as it should
    await finish(tracked);
  });

  it('refuses a POST that a page of another origin sends with the user’s credentials', async () => {
    const { db } = fixture();
    const { ids } = await bouncing(1);
    const target = url('/api/troubleshooting/actions');
    const body = JSON.stringify({
      domain: 'shop',
      action: 'cancel',
      reason: 'x',
      target: { commandIds: ids },
    });
    // The classic cross-site request forgery: a form on another origin posts
    // to the console, and the browser adds the user's credentials.
    const evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><title>elsewhere</title><form method="post" enctype="text/plain" action="${target}">` +
          `<input type="hidden" name='${body.slice(0, -2)}' value='"}'><button>win a prize</button></form>`,
      );
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilPort = (evil.address() as { port: number }).port;
    const tracked = await asUser(OPERATOR);
    const { page } = tracked;
    try {
      await page.goto(`http://localhost:${evilPort}/`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'win a prize' }).click(),
      ]);
      expect(response.status()).toBe(403);
      expect(await statusOf(db, ids[0]!)).toBe('IN_TROUBLESHOOTING_QUEUE');
    } finally {
      evil.closeAllConnections();
      await new Promise((resolve) => evil.close(resolve));
    }
    tracked.errors.splice(0); // the refused navigation logs its 403 in the console
    await finish(tracked);
  });

  it('shows a payload and an error that carry markup as inert text', async () => {
    const xss = '<img src=x onerror=alert(1)>';
    const { ids } = await bouncing(1, { orderPrefix: xss });
    const tracked = await asUser(OPERATOR);
    const { page } = tracked;
    await page.goto(url(`/commands/shop/${ids[0]}`));
    await expect.poll(() => page.getByLabel('Payload').textContent()).toContain(xss);
    await expect.poll(() => page.locator('.last-error .error-text').textContent()).toContain(xss);
    await page.goto(url(`/troubleshooting?domain=shop`));
    await expect.poll(() => page.locator('table.troubleshooting').textContent()).toContain(xss);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await finish(tracked);
  });

  it('polls every 2 s while live, not at all when paused or while the tab is hidden', async () => {
    const tracked = await asUser(VIEWER);
    const { page } = tracked;
    // The page's timers and visibility, under the test's control: each
    // interval is recorded with its period and fires only when told to.
    await page.addInitScript(() => {
      const state = { hidden: false, next: 1 };
      const intervals = new Map<number, { fn: () => void; ms: number }>();
      Object.defineProperty(document, 'hidden', { get: () => state.hidden });
      Object.assign(window, {
        setInterval: (fn: () => void, ms: number) => {
          intervals.set(state.next, { fn, ms });
          return state.next++;
        },
        clearInterval: (id: number) => intervals.delete(id),
        __periods: () => [...intervals.values()].map((i) => i.ms),
        __tick: () => intervals.forEach((i) => i.fn()),
        __setHidden: (hidden: boolean) => {
          state.hidden = hidden;
          document.dispatchEvent(new Event('visibilitychange'));
        },
      });
    });
    type Controls = { __periods(): number[]; __tick(): void; __setHidden(h: boolean): void };
    let requests = 0;
    let finished = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/queues')) requests += 1;
    });
    page.on('requestfinished', (request) => {
      if (request.url().endsWith('/api/queues')) finished += 1;
    });
    // A tick while a request is in flight is skipped by design: wait until none is.
    const settled = async (expected: number) => {
      await expect.poll(() => [requests, finished]).toEqual([expected, expected]);
      await page.evaluate(() => undefined);
    };
    const tick = async (expected: number) => {
      await page.evaluate(() => (window as unknown as Controls).__tick());
      await settled(expected);
    };
    await page.goto(url('/queues'));
    await settled(1);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as Controls).__periods()))
      .toEqual([2_000]);
    await tick(2);
    await page.evaluate(() => (window as unknown as Controls).__setHidden(true));
    await page.evaluate(() => (window as unknown as Controls).__tick());
    await page.evaluate(() => (window as unknown as Controls).__setHidden(false));
    // Visible again: one request at once; the hidden tick sent none.
    await settled(3);
    await page.getByRole('button', { name: 'Pause updates' }).click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as Controls).__periods()))
      .toEqual([]);
    await page.getByRole('button', { name: 'Resume updates' }).click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as Controls).__periods()))
      .toEqual([2_000]);
    await tick(4);
    await finish(tracked);
  });

  it('axe-core finds no serious or critical violation on any page', async () => {
    const { producer } = fixture();
    const { ids, batchId } = await bouncing(2, { batch: true });
    await producer.send(shipOrder, { data: { orderId: 'axe' }, replyTo: true });
    await workerIdle();
    const tracked = await asUser(OPERATOR);
    const { page } = tracked;
    const routes: [string, string, string][] = [
      ['overview', '/', '[data-domain="shop"]'],
      ['commands', '/commands?domain=shop', 'table.commands tbody tr'],
      ['command', `/commands/shop/${ids[0]}`, 'ol.timeline li'],
      ['troubleshooting', '/troubleshooting?domain=shop', 'table.troubleshooting tbody tr'],
      ['batches', '/batches?domain=shop', 'tbody tr'],
      ['batch', `/batches/shop/${batchId}`, 'table.commands tbody tr'],
      ['queues', '/queues', 'tbody tr'],
    ];
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [name, route, ready] of routes) {
      await page.goto(url(route));
      await page.locator(ready).first().waitFor();
      expect({ page: name, violations: await seriousViolations(page) }).toEqual({
        page: name,
        violations: [],
      });
      if (SCREENSHOTS)
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
    // The confirmation dialog too.
    await page.goto(url('/troubleshooting?domain=shop'));
    await page.locator('[data-action="all-retry"]').click();
    await page.getByRole('dialog').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'confirm.png') });
    await finish(tracked);
  });
});
