// The timeline against a real node with the scripted model (e2e/fixtures/timeline-script.json:
// a turn with one command and a long answer, then a turn with a long answer): the panel lists
// the turns as GET /api/chats/:id/timeline gives them (number, start, duration, tokens, tool
// calls, outcome), loads again when a turn ends while it is open, scrolls the chat to a turn's
// first message, and Restore forks the chat at a turn (POST /api/chats/:id/fork) and opens
// the new chat.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closePage,
  compose,
  createChat,
  fixture,
  isInView,
  nodeSuite,
  openChat,
  openedChatId,
  pageErrorsOf,
  screenshot,
  testIdText,
  waitFor,
  waitForTestIdText,
} from './harness.mjs';

/**
 * @typedef {{turn: number, started_at: string, finished_at: string | null, duration_ms: number | null,
 *            outcome: string, usage: Record<string, number>, model_calls: number, tool_calls: number,
 *            first_message_id: number | null, preview: string}} TimelineTurn
 */

describe('timeline', { timeout: 240_000 }, () => {
  const suite = nodeSuite({ script: fixture('timeline-script.json'), workspace: true });

  it('lists the turns, follows new ones, jumps to a turn, and restores one into a new chat', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const problems = pageErrorsOf(page);

    const chatId = await createChat(node, { workspace: suite.workspace, title: 'Timeline' });
    /** @returns {Promise<TimelineTurn[]>} */
    const apiTimeline = async () => {
      const r = await fetch(`${node.url}/api/chats/${encodeURIComponent(chatId)}/timeline`);
      assert.equal(r.status, 200, `GET /api/chats/:id/timeline answered ${r.status}: ${await r.clone().text()}`);
      return /** @type {{turns: TimelineTurn[]}} */ (await r.json()).turns;
    };
    const unknown = await fetch(`${node.url}/api/chats/c_does_not_exist/timeline`);
    assert.equal(unknown.status, 404);

    await openChat(page, node, chatId, 'Timeline');
    const ask = async (/** @type {string} */ text, /** @type {number} */ turns) => {
      await compose(page, text);
      await page.locator(`[data-testid="turn-end"][data-turn="${turns}"]`).waitFor({ timeout: 60_000 });
      await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 30_000 });
    };
    await ask('First: check the workspace and explain at length.', 1);
    await ask('Second: explain again.', 2);

    // The panel shows what the API says.
    await page.getByTestId('timeline-toggle').click();
    await page.getByTestId('timeline-panel').waitFor({ timeout: 5_000 });
    const rows = page.getByTestId('timeline-turn');
    await waitFor(async () => (await rows.count()) === 2, { what: 'two turns in the timeline' });
    const turns = await apiTimeline();
    assert.deepEqual(
      turns.map((x) => [x.turn, x.outcome, x.tool_calls, x.model_calls]),
      [
        [1, 'completed', 1, 2],
        [2, 'completed', 0, 1],
      ],
    );
    for (const turn of turns) {
      const row = page.locator(`[data-testid="timeline-turn"][data-turn="${turn.turn}"]`);
      assert.equal(await row.getAttribute('data-outcome'), 'completed');
      assert.equal(await row.getByTestId('timeline-number').textContent(), `Turn ${turn.turn}`);
      assert.equal(await row.getByTestId('timeline-outcome').textContent(), 'completed');
      assert.match((await row.getByTestId('timeline-start').textContent()) ?? '', /^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$/);
      assert.equal(await row.getByTestId('timeline-start').getAttribute('datetime'), turn.started_at);
      assert.match((await row.getByTestId('timeline-duration').textContent()) ?? '', /^\d+(\.\d)? (ms|s)$/);
      const tokens = row.getByTestId('timeline-tokens');
      assert.equal(await tokens.getAttribute('data-prompt'), String(turn.usage.prompt));
      assert.equal(await tokens.getAttribute('data-cached'), String(turn.usage.cache_hit));
      assert.equal(await tokens.getAttribute('data-completion'), String(turn.usage.completion));
      assert.ok(turn.usage.prompt > 0 && turn.usage.completion > 0, 'the turn used tokens');
      assert.equal(await row.getByTestId('timeline-tools').getAttribute('data-count'), String(turn.tool_calls));
      assert.equal(await row.getByTestId('timeline-preview').textContent(), turn.preview);
    }
    assert.equal(turns[0]?.preview, 'First: check the workspace and explain at length.');
    assert.equal(await page.locator('[data-testid="timeline-turn"][data-turn="1"]').getByTestId('timeline-tools').textContent(), '1 tool call');

    // A turn that ends while the panel is open shows up (the script starts over for a third
    // message).
    await ask('Third: once more.', 3);
    await waitFor(async () => (await rows.count()) === 3, { what: 'the third turn in the open timeline' });
    await page.locator('[data-testid="timeline-turn"][data-turn="3"][data-outcome="completed"]').waitFor({ timeout: 10_000 });

    // Click turn 1: the chat scrolls to its first message.
    const first = (await apiTimeline())[0];
    assert.ok(first && first.first_message_id !== null, 'turn 1 has a first message');
    const transcript = page.getByTestId('transcript');
    const target = page.locator(`[data-message-id="${first.first_message_id}"]`);
    const inView = () => isInView(transcript, target);
    assert.equal(await inView(), false, 'turn 1 starts out of view');
    await page.locator('[data-testid="timeline-turn"][data-turn="1"]').getByTestId('timeline-jump').click();
    await waitFor(inView, { what: "turn 1's first message in view" });
    assert.equal(await target.getAttribute('data-turn'), '1');
    assert.match(await target.innerText(), /First: check the workspace/);

    await screenshot(page, t, 'timeline-real');

    // Restore turn 1: a new chat, which the page opens and lists.
    await page.locator('[data-testid="timeline-turn"][data-turn="1"]').getByTestId('timeline-restore').click();
    await page.waitForURL((url) => url.pathname.startsWith('/chats/') && !url.pathname.endsWith(encodeURIComponent(chatId)), {
      timeout: 15_000,
    });
    const forkId = openedChatId(page);
    assert.ok(forkId && forkId !== chatId, `a new chat id (${forkId})`);
    const fork = await fetch(`${node.url}/api/chats/${encodeURIComponent(forkId)}`);
    assert.equal(fork.status, 200);
    const forked = /** @type {{title: string, messages: Array<{role: string, content: string}>}} */ (await fork.json());
    t.diagnostic(`fork: ${JSON.stringify(forked.title)}, ${forked.messages.length} messages`);
    await waitForTestIdText(page, 'chat-title', forked.title);
    await page.locator(`[data-testid="chat-list-item"][data-chat-id="${forkId}"]`).waitFor({ timeout: 10_000 });
    const users = forked.messages.filter((m) => m.role === 'user').length;
    await waitFor(async () => (await page.getByTestId('message-user').count()) === users, { what: "the fork's messages" });
    assert.equal(await testIdText(page, 'chat-title'), forked.title);

    await closePage(page, problems);
  });
});
