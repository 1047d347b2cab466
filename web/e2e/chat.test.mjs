// The chat against a real node with the scripted model (e2e/fixtures/chat-script.json): create
// a chat on a temp workspace, send a message, watch the model write a file and run a command,
// see the answer, reload, and see the history again. Then: a bad workspace shows the API's error.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  closePage,
  compose,
  fixture,
  nodeSuite,
  openedChatId,
  screenshot,
  testIdText,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const NOTES = 'BooCode e2e notes\nline two\n';

describe('chat', { timeout: 240_000 }, () => {
  const suite = nodeSuite({ script: fixture('chat-script.json'), workspace: true });

  it('creates a chat, streams an answer with two tool calls, and keeps the history on reload', async (t) => {
    const { node, browser } = suite.started();
    const { workspace } = suite;
    const page = await browser.newPage();
    const problems = watchPage(page);

    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'ws-status', 'connected');
    await waitForTestIdText(page, 'health-status', 'ok');

    // New chat.
    await page.getByTestId('new-chat-workspace').fill(workspace);
    await page.getByTestId('new-chat-title').fill('E2E notes');
    await page.getByTestId('new-chat-submit').click();
    await page.waitForURL(/\/chats\/[^/]+$/, { timeout: 15_000 });
    const chatId = openedChatId(page);
    assert.ok(chatId, `chat id from ${page.url()}`);
    await waitForTestIdText(page, 'chat-title', 'E2E notes');
    await page.locator(`[data-testid="chat-list-item"][data-chat-id="${chatId}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await testIdText(page, 'chat-workspace'), workspace);

    // Compose: Shift+Enter is a newline, Enter sends.
    const input = page.getByTestId('composer-input');
    await input.click();
    await page.keyboard.type('Please write notes.txt');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('and show it to me');
    assert.equal(await input.inputValue(), 'Please write notes.txt\nand show it to me');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="message-user"]', { hasText: 'and show it to me' }).waitFor({ timeout: 10_000 });
    assert.equal(await input.inputValue(), '');

    // The answer, rendered from markdown, once stored.
    const answer = page.locator('[data-testid="message-assistant"]', { hasText: 'read it back' });
    await answer.waitFor({ timeout: 60_000 });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 60_000 });
    assert.equal(await answer.getByRole('heading').first().textContent(), 'Done');
    assert.equal(await answer.locator('strong').first().textContent(), 'notes.txt');
    assert.match((await answer.locator('pre code').textContent()) ?? '', /BooCode e2e notes\nline two/);

    // Both tool calls, finished ok, with their details.
    const calls = page.getByTestId('tool-call');
    assert.equal(await calls.count(), 2);
    const write = page.locator('[data-testid="tool-call"][data-tool-name="write_file"]');
    const cat = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]');
    assert.equal(await write.getAttribute('data-outcome'), 'ok');
    assert.equal(await cat.getAttribute('data-outcome'), 'ok');
    assert.match((await cat.locator('summary').textContent()) ?? '', /cat notes\.txt/);
    await cat.locator('summary').click();
    await cat.getByTestId('tool-output').waitFor({ timeout: 5_000 });
    assert.match((await cat.getByTestId('tool-output').textContent()) ?? '', /BooCode e2e notes/);
    assert.match((await cat.getByTestId('tool-arguments').textContent()) ?? '', /"argv"/);
    await cat.getByTestId('tool-duration').waitFor({ timeout: 1_000 });
    // Reasoning is there, collapsed.
    assert.ok((await page.getByTestId('message-reasoning').count()) >= 1);
    // Usage of the turn.
    assert.match(await testIdText(page, 'turn-usage'), /in [\d,]+ · cached [\d,]+ · out [\d,]+/);
    assert.equal(await page.getByTestId('cancel-turn').count(), 0);
    assert.equal(await page.getByTestId('error-banner').count(), 0);

    // The file is really there.
    assert.equal(await readFile(path.join(workspace, 'notes.txt'), 'utf8'), NOTES);

    // The trace panel: the turn's three model calls and two tool calls, in start order, from the
    // live frames (merged with the API's page by id).
    await page.getByTestId('trace-toggle').click();
    const traceRows = page.getByTestId('trace-row');
    const traced = () =>
      traceRows.evaluateAll((els) =>
        els.map((e) => {
          const row = /** @type {HTMLElement} */ (e);
          const name = row.querySelector('[data-testid="trace-name"]')?.textContent ?? '';
          return `${row.dataset.kind}:${row.dataset.kind === 'model' ? 'model' : name}:${row.dataset.outcome}`;
        }),
      );
    // Before each tool that changes something, and at the checkpoint, the turn waits for its
    // commits: BooCode's own time, a "journal" call of its own.
    const expectedTraces = [
      'model:model:ok',
      'tool:journal:ok',
      'tool:write_file:ok',
      'model:model:ok',
      'tool:journal:ok',
      'tool:run_command:ok',
      'model:model:ok',
      'tool:journal:ok',
    ];
    await waitFor(async () => JSON.stringify(await traced()) === JSON.stringify(expectedTraces), {
      what: 'the eight traced calls of the turn',
    });
    assert.equal(await page.locator('[data-testid="trace-turn"][data-turn="1"]').count(), 1);
    // BooCode's own commits are drawn apart from the calls' bars.
    assert.equal(await page.locator('[data-testid="trace-bar"].trace-bar-journal').count(), 3);
    // The trace writer stores them shortly after the frames.
    await waitFor(
      async () => {
        const res = await fetch(`${node.url}/api/chats/${encodeURIComponent(chatId)}/traces`);
        return res.ok && /** @type {{items: unknown[]}} */ (await res.json()).items.length === 8;
      },
      { what: 'the eight traces in GET /api/chats/:id/traces' },
    );

    await screenshot(page, t, 'chat');

    // Reload on /chats/<id>: the history comes back from the API.
    await page.reload();
    await waitForTestIdText(page, 'ws-status', 'connected');
    await waitForTestIdText(page, 'chat-title', 'E2E notes');
    await page.locator('[data-testid="message-user"]', { hasText: 'and show it to me' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="message-assistant"]', { hasText: 'read it back' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('tool-call').count(), 2);
    assert.equal(await write.getAttribute('data-outcome'), 'ok');
    assert.equal(await cat.getAttribute('data-outcome'), 'ok');
    assert.equal(await page.locator(`[data-testid="chat-list-item"][data-chat-id="${chatId}"]`).count(), 1);

    // After the reload the trace panel loads the same calls from the API; a call opens.
    await page.getByTestId('trace-toggle').click();
    await waitFor(async () => JSON.stringify(await traced()) === JSON.stringify(expectedTraces), {
      what: 'the eight traced calls from the API',
    });
    const catTrace = page.locator('[data-testid="trace-row"][data-kind="tool"]', { hasText: 'run_command' });
    await catTrace.getByTestId('trace-row-toggle').click();
    await catTrace.getByTestId('trace-detail').waitFor({ timeout: 5_000 });
    assert.match((await catTrace.getByTestId('trace-input').textContent()) ?? '', /"argv": \[\s*"cat",\s*"notes\.txt"/);
    assert.match((await catTrace.getByTestId('trace-output').textContent()) ?? '', /BooCode e2e notes/);
    assert.equal(await page.getByTestId('trace-error').count(), 0);

    await closePage(page, problems);
  });

  it('cancels a running turn: the command is killed and the turn ends cancelled', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'ws-status', 'connected');
    await page.getByTestId('new-chat-workspace').fill(suite.workspace);
    await page.getByTestId('new-chat-title').fill('E2E cancel');
    await page.getByTestId('new-chat-submit').click();
    await waitForTestIdText(page, 'chat-title', 'E2E cancel');

    // The script's first turn completes; its second runs `sleep 30`.
    const input = page.getByTestId('composer-input');
    await compose(page, 'first');
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 60_000 });
    await compose(page, 'now something slow');
    const sleep = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]', { hasText: 'sleep 30' });
    await sleep.and(page.locator('[data-outcome="running"]')).waitFor({ timeout: 30_000 });
    await waitForTestIdText(page, 'turn-status', 'running');

    const started = Date.now();
    await page.getByTestId('cancel-turn').click();
    await waitForTestIdText(page, 'turn-status', 'cancelled', { timeoutMs: 15_000 });
    assert.ok(Date.now() - started < 15_000);
    assert.equal(await sleep.getAttribute('data-outcome'), 'cancelled');
    assert.equal(await page.locator('[data-testid="turn-end"][data-outcome="cancelled"]').count(), 1);
    assert.equal(await page.getByTestId('cancel-turn').count(), 0);
    assert.equal(await input.isEnabled(), true);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("shows the API's error for a workspace that does not exist", async () => {
    const { node, browser } = suite.started();
    const missing = path.join(suite.workspace, 'does-not-exist');
    const res = await fetch(`${node.url}/api/chats`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: missing }),
    });
    assert.equal(res.status, 400);
    const body = /** @type {{error: {code: string, message: string}}} */ (await res.json());
    assert.equal(body.error.code, 'invalid_argument');

    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'ws-status', 'connected');
    // The list loads on its own schedule: wait until it shows the chats the node has.
    const listed = /** @type {{items: unknown[]}} */ (await (await fetch(`${node.url}/api/chats`)).json()).items.length;
    await waitFor(async () => (await page.getByTestId('chat-list-item').count()) === listed, { what: 'the chat list' });
    const before = listed;
    await page.getByTestId('new-chat-workspace').fill(missing);
    await page.getByTestId('new-chat-submit').click();
    await waitForTestIdText(page, 'new-chat-error', body.error.message);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getByTestId('chat-list-item').count(), before);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
