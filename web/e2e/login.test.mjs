// Logging in to a node that has users: the login page, a wrong token, a session cookie the page
// cannot read that survives a reload and carries the WebSocket, a chat made through it, another
// origin refused, and logging out.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  closePage,
  fixture,
  launchBrowser,
  startNode,
  stopNode,
  tempWorkspace,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const TOKEN = 'e2e-login-token-0123456789';

describe('login', { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startNode>>} */
  let node;
  /** @type {Awaited<ReturnType<typeof launchBrowser>>} */
  let browser;
  let workspace = '';
  before(async () => {
    workspace = await tempWorkspace();
    node = await startNode({ extraArgs: ['--auth-token', TOKEN, '--model-script', fixture('chat-script.json')] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (node) await stopNode(node);
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('asks for the token, keeps the session in an HttpOnly cookie, and logs out', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(node.url + '/');
    await page.getByTestId('login').waitFor();

    await page.locator('#login-token').fill('boo_not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForTestIdText(page, 'login-error', 'the token is not valid');

    await page.locator('#login-token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForTestIdText(page, 'ws-status', 'connected');
    await waitForTestIdText(page, 'health-status', 'ok');
    assert.match((await page.getByTestId('user-info').textContent()) ?? '', /admin/);
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
    const [cookie] = (await browser.context.cookies()).filter((c) => c.name === 'boocode_session');
    assert.ok(cookie, 'a session cookie was set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');

    // A chat made through the page: a POST with the cookie from the node's own origin.
    await page.getByTestId('new-chat-workspace').fill(workspace);
    await page.getByTestId('new-chat-title').fill('Behind a login');
    await page.getByTestId('new-chat-submit').click();
    await page.waitForURL(/\/chats\/[^/]+$/, { timeout: 15_000 });

    // The same cookie from another site's page may not change anything.
    const cross = await fetch(`${node.url}/api/chats`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `boocode_session=${cookie.value}`, Origin: 'https://evil.example' },
      body: JSON.stringify({ workspace }),
    });
    assert.equal(cross.status, 403);
    assert.equal((await cross.json()).error.code, 'forbidden_origin');
    const noCookie = await fetch(`${node.url}/api/chats`);
    assert.equal(noCookie.status, 401);

    // A reload keeps the session.
    await page.reload();
    await waitForTestIdText(page, 'ws-status', 'connected');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('login').waitFor();
    await page.reload();
    await page.getByTestId('login').waitFor();
    await closePage(page, problems);
  });
});
