// The timeline panel against the contract of GET /api/chats/:id/timeline and
// POST /api/chats/:id/fork, with the chat API, the timeline, fork and /ws mocked in the browser
// (Playwright route + routeWebSocket). The real node only serves the app.
//
// (a) five turns, one per outcome: number, start time, duration, tokens, tool calls, a
//     distinct style per outcome; clicking a turn scrolls the chat to its first message; a
//     turn_end loads the timeline again while it is open (not while it is closed); Restore
//     forks the chat at that turn and opens the new chat.
// (b) an unknown chat's timeline (404) shows the node's error, and Retry asks again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closePage,
  isInView,
  nodeSuite,
  openChat,
  pageErrorsOf,
  screenshot,
  testIdText,
  waitFor,
  waitForTestIdText,
} from './harness.mjs';
import { USAGE as usage, fulfillJson, mockChat, mockSocket, routeChat, snapshotFrame } from './mock-node.mjs';

/** @param {number} id @param {string} role @param {string} content @param {number} turn */
function msg(id, role, content, turn) {
  return { id, role, content, turn, created_at: '2026-11-24T10:00:00.000Z' };
}

/** A long answer, so the chat is much taller than the page. @param {number} turn */
function longAnswer(turn) {
  return Array.from({ length: 12 }, (_, i) => `Turn ${turn}, paragraph ${i + 1}: some words to fill the line.`).join('\n\n');
}

const OUTCOMES = ['completed', 'cancelled', 'error', 'interrupted', 'running'];

/** The timeline the mock serves: turn k started k minutes after 10:00 UTC. @param {number} turns */
function timelineOf(turns) {
  return {
    turns: Array.from({ length: turns }, (_, i) => {
      const turn = i + 1;
      const outcome = OUTCOMES[i] ?? 'completed';
      const running = outcome === 'running';
      const started = Date.UTC(2026, 10, 24, 10, turn, 0, 123);
      return {
        turn,
        started_at: new Date(started).toISOString(),
        finished_at: running ? null : new Date(started + 1234).toISOString(),
        duration_ms: running ? null : 1234 * turn,
        outcome,
        usage: { ...usage, prompt: usage.prompt * turn },
        model_calls: turn,
        tool_calls: turn - 1,
        first_message_id: 2 * turn - 1,
        preview: `Question number ${turn}`,
        ...(outcome === 'error' ? { error: 'HTTP 502 from the model' } : {}),
      };
    }),
  };
}

describe('timeline (mocked chat, timeline, fork and WebSocket)', { timeout: 180_000 }, () => {
  const suite = nodeSuite();

  it('lists the turns, jumps to one, refreshes on turn_end, and restores one into a new chat', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);

    const CHAT = 'c_timeline';
    const chat = mockChat(CHAT, 'Five turns');
    const forked = mockChat('c_forked', 'Five turns (from turn 2)');
    const messages = [1, 2, 3, 4, 5].flatMap((turn) => [
      msg(2 * turn - 1, 'user', `Question number ${turn}`, turn),
      msg(2 * turn, 'assistant', longAnswer(turn), turn),
    ]);
    let timelineTurns = 5;
    let timelineGets = 0;
    /** @type {unknown[]} */
    const forks = [];
    await routeChat(page, chat, () => ({ ...chat, status: 'running', messages }));
    await page.route(`**/api/chats/${forked.id}`, (route) => fulfillJson(route, { ...forked, messages: messages.slice(0, 4) }));
    await page.route(`**/api/chats/${CHAT}/timeline`, (route) => {
      timelineGets++;
      return fulfillJson(route, timelineOf(timelineTurns));
    });
    await page.route(`**/api/chats/${CHAT}/fork`, (route) => {
      assert.equal(route.request().method(), 'POST');
      forks.push(route.request().postDataJSON());
      return fulfillJson(route, forked, 201);
    });

    const mock = await mockSocket(page, CHAT, (frame, ws) => {
      const own = frame.chat_id === CHAT;
      ws.send(
        snapshotFrame({
          chat_id: frame.chat_id,
          seq: own ? mock.seq : 0,
          status: own ? 'running' : 'idle',
          messages: own ? messages : messages.slice(0, 4),
          turn: own ? { number: 5, text: 'Still going', reasoning: '', running_tools: [] } : null,
        }),
      );
    });
    const { send } = mock;

    await openChat(page, node, CHAT, 'Five turns');
    await page.locator('[data-testid="message-streaming"]', { hasText: 'Still going' }).waitFor({ timeout: 5_000 });

    // Open: the trace panel closes (one side panel at a time), the turns load.
    await page.getByTestId('trace-toggle').click();
    await page.getByTestId('trace-panel').waitFor({ timeout: 5_000 });
    await page.getByTestId('timeline-toggle').click();
    const panel = page.getByTestId('timeline-panel');
    await panel.waitFor({ timeout: 5_000 });
    assert.equal(await page.getByTestId('trace-panel').count(), 0);
    assert.equal(await page.getByTestId('timeline-toggle').getAttribute('aria-pressed'), 'true');
    const rows = page.getByTestId('timeline-turn');
    await waitFor(async () => (await rows.count()) === 5, { what: 'five turns' });
    assert.equal(timelineGets, 1);
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => /** @type {HTMLElement} */ (e).dataset.outcome)), OUTCOMES);
    assert.equal(await testIdText(page, 'timeline-count'), '5 turns');

    const row = (/** @type {number} */ n) => page.locator(`[data-testid="timeline-turn"][data-turn="${n}"]`);
    const first = row(1);
    assert.equal(await first.getByTestId('timeline-number').textContent(), 'Turn 1');
    assert.equal(await first.getByTestId('timeline-outcome').textContent(), 'completed');
    assert.equal(await first.getByTestId('timeline-preview').textContent(), 'Question number 1');
    assert.equal(await first.getByTestId('timeline-duration').textContent(), '1.2 s');
    assert.equal(await first.getByTestId('timeline-tools').textContent(), 'no tool calls');
    assert.equal(await row(3).getByTestId('timeline-tools').textContent(), '2 tool calls');
    assert.equal(await row(3).getByTestId('timeline-outcome').textContent(), 'failed');
    const tokens = row(2).getByTestId('timeline-tokens');
    assert.equal(await tokens.textContent(), 'in 3,668 · cached 1,536 · out 142');
    assert.equal(await tokens.getAttribute('data-prompt'), '3668');
    assert.equal(await tokens.getAttribute('data-cached'), '1536');
    assert.equal(await tokens.getAttribute('data-completion'), '142');
    // The start, in the page's local time (today's date is not 2026-11-24: with the date).
    const expectedStart = await page.evaluate(() => {
      const d = new Date(Date.UTC(2026, 10, 24, 10, 1, 0, 123));
      const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
      const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
      const now = new Date();
      const today = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
      return date === today ? time : `${date} ${time}`;
    });
    assert.equal(await first.getByTestId('timeline-start').textContent(), expectedStart);
    assert.match((await row(5).getByTestId('timeline-duration').textContent()) ?? '', / so far$/);
    assert.equal(await row(5).locator('.spinner').count(), 1);
    // A turn is restored once it has finished.
    assert.equal(await row(5).getByTestId('timeline-restore').isDisabled(), true);
    assert.equal(await row(1).getByTestId('timeline-restore').isDisabled(), false);
    assert.equal(await row(3).getByTestId('timeline-turn-error').textContent(), 'HTTP 502 from the model');

    // Each outcome has its own colour.
    const dotColours = await rows.evaluateAll((els) =>
      els.map((e) => getComputedStyle(/** @type {Element} */ (e.querySelector('.timeline-dot'))).backgroundColor),
    );
    assert.equal(new Set(dotColours).size, 5, `dot colours ${dotColours.join(', ')}`);
    const badgeColours = await rows.evaluateAll((els) =>
      els.map((e) => getComputedStyle(/** @type {Element} */ (e.querySelector('[data-testid="timeline-outcome"]'))).color),
    );
    assert.equal(new Set(badgeColours).size, 5, `outcome colours ${badgeColours.join(', ')}`);

    // The chat sits at its end; clicking turn 1 brings its first message into view.
    const transcript = page.getByTestId('transcript');
    const target = page.locator('[data-testid="message-user"][data-message-id="1"]');
    const inView = () => isInView(transcript, target);
    assert.equal(await inView(), false, 'turn 1 starts out of view');
    const scrolledBefore = await transcript.evaluate((e) => e.scrollTop);
    await first.getByTestId('timeline-jump').click();
    await waitFor(inView, { what: "turn 1's first message in view" });
    assert.ok((await transcript.evaluate((e) => e.scrollTop)) < scrolledBefore);
    assert.equal(await target.getAttribute('data-turn'), '1');

    await screenshot(page, t, 'timeline');

    // turn_end while open: the timeline loads again (and shows the new turn).
    timelineTurns = 6;
    send({ type: 'turn_end', turn: 5, outcome: 'completed', usage });
    await waitFor(async () => (await rows.count()) === 6, { what: 'the timeline to load again after turn_end' });
    assert.equal(timelineGets, 2);
    // Closed: frames load nothing.
    await page.getByTestId('timeline-toggle').click();
    assert.equal(await panel.count(), 0);
    send({ type: 'turn_start', turn: 6, user_message_ids: [] });
    send({ type: 'turn_end', turn: 6, outcome: 'completed', usage });
    await page.getByTestId('timeline-toggle').click();
    await waitFor(() => timelineGets === 3, { what: 'one load on opening again' });

    // Restore turn 2: the chat is forked there and the new chat opens.
    await row(2).getByTestId('timeline-restore').click();
    await page.waitForURL(`**/chats/${forked.id}`, { timeout: 10_000 });
    assert.deepEqual(forks, [{ turn: 2 }]);
    await waitForTestIdText(page, 'chat-title', forked.title);
    await page.locator(`[data-testid="chat-list-item"][data-chat-id="${forked.id}"]`).waitFor({ timeout: 5_000 });
    assert.equal(await page.getByTestId('message-user').count(), 2);

    await closePage(page, pageErrors);
  });

  it("shows the node's error for an unknown chat's timeline, and retries", async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const CHAT = 'c_gone';
    const chat = mockChat(CHAT, 'Gone');
    let gets = 0;
    let fail = true;
    await routeChat(page, chat);
    await page.route(`**/api/chats/${CHAT}/timeline`, (route) => {
      gets++;
      return fail
        ? fulfillJson(route, { error: { code: 'not_found', message: `no chat ${CHAT}` } }, 404)
        : fulfillJson(route, { turns: [] });
    });
    await mockSocket(page, CHAT);
    await page.goto(`${node.url}/chats/${CHAT}`);
    await waitForTestIdText(page, 'chat-title', 'Gone');
    await page.getByTestId('timeline-toggle').click();
    const error = page.getByTestId('timeline-error');
    await error.waitFor({ timeout: 5_000 });
    assert.equal(await error.getAttribute('data-code'), 'not_found');
    assert.match(await testIdText(page, 'timeline-error'), /Could not load the timeline: no chat c_gone/);
    fail = false;
    await error.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('timeline-empty').waitFor({ timeout: 5_000 });
    assert.equal(await error.count(), 0);
    assert.equal(gets, 2);
    await page.close();
  });
});
