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
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, startNode, stopNode, testIdText, waitFor, waitForTestIdText } from './harness.mjs';

const usage = { prompt: 1834, cache_hit: 1536, cache_miss: 298, cache_write: 0, completion: 142, reasoning: 0 };
const zero = { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 };

/** @param {string} id @param {string} title */
function chatOf(id, title) {
  return {
    id,
    workspace: '/home/me/project',
    title,
    build_command: null,
    created_at: '2026-11-24T06:10:00.000Z',
    archived: false,
    status: 'idle',
  };
}

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
  /** @type {import('./harness.mjs').NodeHandle | undefined} */
  let node;
  /** @type {import('./harness.mjs').BrowserHandle | undefined} */
  let browser;

  before(async () => {
    node = await startNode();
    browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  });

  after(async () => {
    await browser?.close();
    if (node) await stopNode(node);
  });

  it('lists the turns, jumps to one, refreshes on turn_end, and restores one into a new chat', async (t) => {
    assert.ok(node && browser);
    const page = await browser.newPage();
    /** @type {string[]} */
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const CHAT = 'c_timeline';
    const chat = chatOf(CHAT, 'Five turns');
    const forked = chatOf('c_forked', 'Five turns (from turn 2)');
    const messages = [1, 2, 3, 4, 5].flatMap((turn) => [
      msg(2 * turn - 1, 'user', `Question number ${turn}`, turn),
      msg(2 * turn, 'assistant', longAnswer(turn), turn),
    ]);
    let timelineTurns = 5;
    let timelineGets = 0;
    /** @type {unknown[]} */
    const forks = [];
    await page.route('**/api/chats', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [chat] }) }),
    );
    await page.route(`**/api/chats/${CHAT}`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...chat, status: 'running', messages }) }),
    );
    await page.route(`**/api/chats/${forked.id}`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...forked, messages: messages.slice(0, 4) }) }),
    );
    await page.route(`**/api/chats/${CHAT}/timeline`, (route) => {
      timelineGets++;
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(timelineOf(timelineTurns)) });
    });
    await page.route(`**/api/chats/${CHAT}/fork`, (route) => {
      assert.equal(route.request().method(), 'POST');
      forks.push(route.request().postDataJSON());
      return route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify(forked) });
    });

    /** @type {import('playwright-core').WebSocketRoute | undefined} */
    let socket;
    let seq = 0;
    await page.routeWebSocket('**/ws', (ws) => {
      socket = ws;
      ws.send(JSON.stringify({ type: 'hello', node_id: 'node-mock', version: '0.0.0' }));
      ws.onMessage((data) => {
        const frame = JSON.parse(String(data));
        if (frame.type !== 'subscribe') return;
        const own = frame.chat_id === CHAT;
        ws.send(
          JSON.stringify({
            type: 'snapshot',
            chat_id: frame.chat_id,
            seq: own ? seq : 0,
            epoch: 1,
            status: own ? 'running' : 'idle',
            resumed: false,
            messages: own ? messages : messages.slice(0, 4),
            turn: own ? { number: 5, text: 'Still going', reasoning: '', running_tools: [] } : null,
            usage: zero,
          }),
        );
      });
    });
    const send = (/** @type {Record<string, unknown>} */ fields) => socket?.send(JSON.stringify({ chat_id: CHAT, seq: ++seq, ...fields }));

    await page.goto(`${node.url}/chats/${CHAT}`);
    await waitForTestIdText(page, 'ws-status', 'connected');
    await waitForTestIdText(page, 'chat-title', 'Five turns');
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
    const inView = async () => {
      const box = await transcript.boundingBox();
      const el = await target.boundingBox();
      return !!box && !!el && el.y >= box.y - 1 && el.y < box.y + box.height;
    };
    assert.equal(await inView(), false, 'turn 1 starts out of view');
    const scrolledBefore = await transcript.evaluate((e) => e.scrollTop);
    await first.getByTestId('timeline-jump').click();
    await waitFor(inView, { what: "turn 1's first message in view" });
    assert.ok((await transcript.evaluate((e) => e.scrollTop)) < scrolledBefore);
    assert.equal(await target.getAttribute('data-turn'), '1');

    const shot = path.join(os.tmpdir(), `boocode-e2e-timeline-${process.pid}.png`);
    await page.screenshot({ path: shot });
    t.diagnostic(`screenshot: ${shot}`);

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

    assert.equal(await page.getByTestId('protocol-error').count(), 0);
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it("shows the node's error for an unknown chat's timeline, and retries", async () => {
    assert.ok(node && browser);
    const page = await browser.newPage();
    const CHAT = 'c_gone';
    const chat = chatOf(CHAT, 'Gone');
    let gets = 0;
    let fail = true;
    await page.route('**/api/chats', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [chat] }) }),
    );
    await page.route(`**/api/chats/${CHAT}`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...chat, messages: [] }) }),
    );
    await page.route(`**/api/chats/${CHAT}/timeline`, (route) => {
      gets++;
      return fail
        ? route.fulfill({
            status: 404,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'not_found', message: `no chat ${CHAT}` } }),
          })
        : route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ turns: [] }) });
    });
    await page.routeWebSocket('**/ws', (ws) => {
      ws.send(JSON.stringify({ type: 'hello', node_id: 'node-mock', version: '0.0.0' }));
    });
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
