// The Tasks pane against a real node with the scripted model (e2e/fixtures/tasks-script.json: the
// chat spawns two subagents, a quick one that lists the workspace and answers, and a slow one
// that streams a long report):
//
// the pane lists both live (state, elapsed, tokens), the quick one ends `completed` with its
// result's start while the slow one runs, and the chat's header adds its tokens; Stop ends the
// slow one `cancelled`; the chat's model is notified of each; the quick one's transcript opens on
// its own page (its tool call, read-only, no Tasks pane) and its traces carry actor kind
// `subagent`.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { closePage, compose, createChat, fixture, nodeSuite, openChat, screenshot, waitFor, waitForTestIdText, watchPage } from './harness.mjs';

/** @param {import('playwright-core').Page} page @param {string} description */
function taskRow(page, description) {
  return page.locator('[data-testid="task"]', { hasText: description });
}

describe('tasks pane', { timeout: 180_000 }, () => {
  const suite = nodeSuite({ script: fixture('tasks-script.json'), workspace: true });

  it('shows the subagents live, stops one, and opens a transcript', async (t) => {
    const { node, browser } = suite.started();
    await writeFile(path.join(suite.workspace, 'one.txt'), 'one\n');
    const chatId = await createChat(node, { workspace: suite.workspace, title: 'Split the work' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, node, chatId, 'Split the work');
    await page.getByTestId('tasks-toggle').click();
    await page.getByTestId('tasks-panel').waitFor();
    await compose(page, 'Split it.');

    const quick = taskRow(page, 'Count the files');
    const slow = taskRow(page, 'Write a long report');
    await waitFor(async () => (await quick.getAttribute('data-state')) === 'completed', {
      what: 'the quick task to complete',
      timeoutMs: 30_000,
    });
    assert.match((await quick.getByTestId('task-result').textContent()) ?? '', /Quick count: the workspace has one file/);
    assert.match((await quick.getByTestId('task-meta').textContent()) ?? '', /in [1-9]/, 'its tokens show');
    assert.equal(await slow.getAttribute('data-state'), 'running', 'the slow one still runs');
    assert.match((await page.getByTestId('tasks-toggle').textContent()) ?? '', /Tasks \(1\)/);
    assert.equal(await quick.getByTestId('task-stop').count(), 0, 'an ended task has no Stop');
    // The chat's totals say how much its subagents used.
    await page.getByTestId('chat-tasks-usage').waitFor({ timeout: 10_000 });
    assert.match((await page.getByTestId('chat-tasks-usage').textContent()) ?? '', /subagents: in [1-9]/);
    await screenshot(page, t, 'tasks-pane');

    await slow.getByTestId('task-stop').click();
    await waitFor(async () => (await slow.getAttribute('data-state')) === 'cancelled', {
      what: 'the slow task to end cancelled',
      timeoutMs: 15_000,
    });
    assert.equal(await page.getByTestId('tasks-stop-all').count(), 0, 'nothing left to stop');

    // The chat's model was told of both ends.
    await waitFor(
      async () => (await page.locator('[data-testid="message-user"]', { hasText: '[Background task' }).count()) === 2,
      { what: 'two notifications in the chat', timeoutMs: 30_000 },
    );

    // The quick one's own transcript and traces.
    const taskId = await quick.getAttribute('data-task-id');
    assert.ok(taskId?.startsWith('t_'));
    await quick.getByTestId('task-open').click();
    await page.waitForURL(new RegExp(`/chats/${taskId}$`));
    await waitForTestIdText(page, 'chat-title', 'Count the files');
    await page.locator('[data-testid="tool-call"][data-tool-name="list_dir"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('composer-input').isDisabled(), true, 'it takes no messages');
    assert.equal(await page.getByTestId('tasks-toggle').count(), 0);
    const traces = await (await fetch(`${node.url}/api/chats/${taskId}/traces`)).json();
    assert.ok(traces.items.length >= 3, 'two model calls and a tool call');
    for (const tr of traces.items) {
      assert.equal(tr.actor_kind, 'subagent');
      assert.equal(tr.parent_id, chatId);
    }
    await closePage(page, problems);
  });
});
