// A chat an operator stops with the real `boocode admin stop` (docs/admin.md), against a real
// node: the page says "Stopped by an operator" with a Restart button, a reload still shows the
// chat (it used to fail on the unknown status "stopped"), Restart works from the page, and the
// chat answers again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boocodeAdmin,
  closePage,
  compose,
  createChat,
  fixture,
  nodeSuite,
  openChat,
  screenshot,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

describe('a chat stopped by an operator', { timeout: 240_000 }, () => {
  const suite = nodeSuite({ script: fixture('operator-script.json'), workspace: true });

  it('shows why, survives a reload, and restarts from the page', async (t) => {
    const { node, browser } = suite.started();
    const chatId = await createChat(node, { workspace: suite.workspace, title: 'Operator stop' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, node, chatId, 'Operator stop');

    await compose(page, 'Hello');
    await page.locator('[data-testid="message-assistant"]', { hasText: 'First answer' }).waitFor({ timeout: 60_000 });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 30_000 });

    // The operator stops it: the open page says so at once (a session_failed frame).
    const stopped = await boocodeAdmin(node, 'stop', chatId);
    assert.equal(stopped.code, 0, stopped.stderr);
    const banner = page.getByTestId('session-failed');
    await banner.waitFor({ timeout: 15_000 });
    assert.equal(await banner.getAttribute('data-reason'), 'stopped');
    assert.match((await banner.textContent()) ?? '', /Stopped by an operator/);
    await screenshot(page, t, 'operator-stopped');

    // A reload loads the chat (GET /api/chats/:id says "stopped") and shows the same.
    await page.reload();
    await waitForTestIdText(page, 'chat-title', 'Operator stop');
    await banner.waitFor({ timeout: 15_000 });
    assert.equal(await banner.getAttribute('data-reason'), 'stopped');
    assert.equal(await page.getByTestId('error-banner').count(), 0, 'the chat loads');
    await page.locator('[data-testid="message-assistant"]', { hasText: 'First answer' }).waitFor({ timeout: 10_000 });
    const status = await fetch(`${node.url}/api/chats/${chatId}`).then((r) => r.json());
    assert.equal(status.status, 'stopped');

    // Restart from the page: the banner goes and the chat answers again.
    await page.getByTestId('session-restart').click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await compose(page, 'Are you back?');
    await page.locator('[data-testid="message-assistant"]', { hasText: 'after the restart' }).waitFor({ timeout: 60_000 });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 30_000 });
    const again = await fetch(`${node.url}/api/chats/${chatId}`).then((r) => r.json());
    assert.equal(again.status, 'idle');
    await closePage(page, problems);
  });
});
