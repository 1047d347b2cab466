// The home page against a real node: health, WebSocket hello, SPA fallback, API 404s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  launchBrowser,
  overTls,
  pageErrorsOf,
  screenshot,
  startNode,
  stopNode,
  testIdText,
  waitForTestIdText,
} from './harness.mjs';

describe('home page', { timeout: 180_000 }, () => {
  /** @type {import('./harness.mjs').NodeHandle | undefined} */
  let node;
  /** @type {import('./harness.mjs').BrowserHandle | undefined} */
  let browser;
  let stopped = false;

  before(async () => {
    node = await startNode();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (node && !stopped) await stopNode(node).catch(() => {});
  });

  it('shows health, node id, version and a connected WebSocket', async (t) => {
    assert.ok(node && browser);
    const res = await fetch(`${node.url}/api/health`);
    assert.equal(res.status, 200);
    const health = /** @type {{status: string, node_id: string, version: string}} */ (await res.json());
    assert.equal(health.status, 'ok');
    assert.equal(typeof health.node_id, 'string');
    assert.equal(typeof health.version, 'string');

    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);

    await page.goto(node.url + '/');
    assert.equal(await page.title(), 'BooCode');
    await waitForTestIdText(page, 'health-status', 'ok');
    assert.equal(await testIdText(page, 'node-id'), health.node_id);
    assert.equal(await testIdText(page, 'node-version'), health.version);
    await waitForTestIdText(page, 'ws-status', 'connected');
    assert.equal(await page.locator('[data-testid="health-error"]').count(), 0);

    await screenshot(page, t, 'home', { fullPage: true });

    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it('serves the app for deep links (index.html fallback)', async () => {
    assert.ok(node && browser);
    const res = await fetch(`${node.url}/chats/123`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<div id="root"><\/div>/);

    const page = await browser.newPage();
    await page.goto(`${node.url}/chats/123`);
    await waitForTestIdText(page, 'health-status', 'ok');
    await waitForTestIdText(page, 'ws-status', 'connected');
    await page.close();
  });

  it('answers unknown API paths with a 404 JSON body', async () => {
    assert.ok(node);
    const res = await fetch(`${node.url}/api/nope`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = /** @type {{error?: {code?: unknown, message?: unknown}}} */ (await res.json());
    assert.equal(typeof body.error?.code, 'string', `body: ${JSON.stringify(body)}`);
    assert.equal(typeof body.error?.message, 'string', `body: ${JSON.stringify(body)}`);
  });

  it('shows an error state when /api/health fails', async () => {
    assert.ok(node && browser);
    const page = await browser.newPage();
    await page.route('**/api/health', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'draining', message: 'node is draining' } }),
      }),
    );
    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'health-status', 'error');
    await page.locator('[data-testid="health-error"]').waitFor({ timeout: 15_000 });
    assert.match(await testIdText(page, 'health-error'), /503 node is draining/);
    await page.close();
  });

  it('stops cleanly on SIGTERM with exit code 0, and the page sees the WebSocket close', async () => {
    assert.ok(node && browser);
    const page = await browser.newPage();
    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'ws-status', 'connected');
    // Over TLS the page is HTTPS and its socket WSS (a ws:// socket from an https page would be
    // blocked as mixed content, and ws-status would never say connected).
    assert.equal(await page.evaluate(() => location.protocol), overTls ? 'https:' : 'http:');

    stopped = true;
    await stopNode(node);
    await waitForTestIdText(page, 'ws-status', 'disconnected');
    await page.close();
    // The ready line is the only thing the node writes to stdout (logs go to stderr).
    assert.equal(node.stdoutLines.length, 1, `stdout: ${JSON.stringify(node.stdoutLines)}`);
    const scheme = overTls ? 'https' : 'http';
    assert.match(node.stdoutLines[0] ?? '', new RegExp(`^boocode listening on ${scheme}://127\\.0\\.0\\.1:\\d+$`));
  });
});
