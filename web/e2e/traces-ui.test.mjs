// The trace viewer against the documented contract (docs/api.md, "GET /api/chats/:id/traces";
// docs/protocol.md, the *_trace_* frames), with the chat API, the traces API and /ws mocked in
// the browser (Playwright route + routeWebSocket). The real node only serves the app.
//
// (a) 10,000 calls over 50 pages: the list renders a small window, and scrolling to the end
//     fetches every page with the cursor the previous page gave.
// (b) live frames: running rows, then outcome, latency, tokens, TTFT and bars on the turn's
//     time axis; after a seq gap the tail is fetched again and merged by id.
// (c) opening a row shows its input and output.
// (d) a failing traces API shows an error line, and Retry recovers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePage, nodeSuite, openChat, pageErrorsOf, screenshot, testIdText, waitFor } from './harness.mjs';
import { USAGE, fulfillJson, mockChat, mockSocket, routeChat, snapshotFrame } from './mock-node.mjs';

const T0_MS = Date.UTC(2026, 10, 24, 8, 0, 0);

/** ISO 8601 with microseconds, `us` after 2026-11-24T08:00:00Z. @param {number} us */
function iso(us) {
  const ms = Math.floor(us / 1000);
  return `${new Date(T0_MS + ms).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

const usage = { ...USAGE, reasoning: 30 };

/**
 * A stored trace as the API returns it.
 * @param {{id: string, chat: string, turn: number, kind: 'model' | 'tool', tool?: string, startUs: number,
 *          endUs: number, outcome?: string, output?: string, input?: unknown}} t
 */
function trace(t) {
  const model = t.kind === 'model';
  return {
    id: t.id,
    chat_id: t.chat,
    turn: t.turn,
    kind: t.kind,
    tool: model ? 'model' : (t.tool ?? 'read_file'),
    call_id: model ? null : `call_${t.id}`,
    actor_kind: 'session',
    actor_id: t.chat,
    parent_id: null,
    input: t.input ?? (model ? { model: 'gpt-test', messages: 3, tools: 6 } : { path: 'src/main.cpp' }),
    output: t.output ?? (model ? 'Let me look.' : '#include <cstdio>\n'),
    started_at: iso(t.startUs),
    finished_at: iso(t.endUs),
    latency_ms: (t.endUs - t.startUs) / 1000,
    ttft_ms: model ? 120 : null,
    outcome: t.outcome ?? 'ok',
    error: null,
    exit_code: null,
    tokens_used: model ? usage.prompt + usage.completion : 5,
    cache_tokens: model ? usage.cache_hit : 0,
    reasoning_tokens: model ? usage.reasoning : 0,
    usage: model ? usage : null,
    model: model ? 'gpt-test' : null,
    finish_reason: model ? 'tool_calls' : null,
    attempts: model ? 1 : null,
  };
}

/**
 * Mocks the chat list, the chat, its traces and /ws for one page.
 * @param {import('playwright-core').Page} page
 * @param {string} chatId
 * @param {(url: URL) => {status: number, body: unknown}} traces
 */
async function mockNode(page, chatId, traces) {
  const chat = mockChat(chatId);
  /** @type {Array<{cursor: string | null, limit: string | null}>} */
  const traceRequests = [];
  let chatGets = 0;
  await routeChat(page, chat, () => {
    chatGets++;
    return { ...chat, messages: [] };
  });
  await page.route(
    (url) => url.pathname === `/api/chats/${chatId}/traces`,
    (route) => {
      const url = new URL(route.request().url());
      traceRequests.push({ cursor: url.searchParams.get('cursor'), limit: url.searchParams.get('limit') });
      const { status, body } = traces(url);
      return fulfillJson(route, body, status);
    },
  );
  const socket = await mockSocket(page, chatId, (frame, ws) => ws.send(snapshotFrame({ chat_id: frame.chat_id, seq: socket.seq })));
  return {
    traceRequests,
    chatGets: () => chatGets,
    /** Sends a chat frame with the next seq (or skips `skip` numbers first). */
    send: socket.send,
    /** Opens the chat's page on `node` and waits for its subscribe. @param {{url: string}} node */
    async open(node) {
      await openChat(page, node, chatId, chat.title);
      await socket.clientFrame((f) => f.type === 'subscribe' && f.chat_id === chatId, 'subscribe');
    },
  };
}

/** Rows of the trace list currently in the DOM. @param {import('playwright-core').Page} page */
async function renderedRows(page) {
  return page.locator('[data-testid="trace-row"], [data-testid="trace-turn"]').count();
}

/**
 * The bar of one call: its inline style and data attributes.
 * @param {import('playwright-core').Page} page
 * @param {string} id
 */
async function barOf(page, id) {
  return page.locator(`[data-testid="trace-bar"][data-trace-id="${id}"]`).evaluate((/** @type {Element} */ el) => {
    const e = /** @type {HTMLElement} */ (el);
    return {
      styleLeft: parseFloat(e.style.left),
      styleWidth: parseFloat(e.style.width),
      left: Number(e.dataset.left),
      width: Number(e.dataset.width),
      latencyMs: e.dataset.latencyMs === undefined ? null : Number(e.dataset.latencyMs),
      axisMs: Number(e.dataset.axisMs),
    };
  });
}

/** @param {number} actual @param {number} expected @param {number} tol @param {string} what */
function near(actual, expected, tol, what) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

describe('trace viewer (mocked chat, traces API and WebSocket)', { timeout: 300_000 }, () => {
  const suite = nodeSuite();

  it('renders 10,000 calls in a small window and pages to the end with the cursors it was given', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);

    const CHAT = 'c_big';
    const N = 10_000;
    const PER_TURN = 25;
    const id = (/** @type {number} */ i) => `tr-${String(i).padStart(5, '0')}`;
    const item = (/** @type {number} */ i) => {
      const turn = Math.floor(i / PER_TURN) + 1;
      const k = i % PER_TURN;
      const model = k % 3 === 0;
      const startUs = turn * 60_000_000 + k * 400_000 + (i % 7) * 13;
      return trace({
        id: id(i),
        chat: CHAT,
        turn,
        kind: model ? 'model' : 'tool',
        tool: ['read_file', 'search', 'run_command'][k % 3],
        startUs,
        endUs: startUs + (model ? 350_000 : 20_000 + (i % 11) * 1_000),
        outcome: i % 97 === 5 ? 'error' : 'ok',
      });
    };
    const mock = await mockNode(page, CHAT, (url) => {
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const cursor = url.searchParams.get('cursor');
      const from = cursor === null ? 0 : Number(cursor.slice(1));
      const to = Math.min(N, from + limit);
      const items = [];
      for (let i = from; i < to; i++) items.push(item(i));
      return { status: 200, body: { items, next_cursor: to < N ? `k${to}` : null } };
    });

    await mock.open(node);
    assert.equal(await page.getByTestId('trace-panel').count(), 0);
    await page.getByTestId('trace-toggle').click();
    await page.getByTestId('trace-panel').waitFor({ timeout: 5_000 });
    await page.locator(`[data-testid="trace-row"][data-trace-id="${id(0)}"]`).waitFor({ timeout: 10_000 });
    const first = await renderedRows(page);
    assert.ok(first > 5 && first < 150, `rendered ${first} rows at the top`);

    let maxRows = first;
    const last = id(N - 1);
    const scroller = page.getByTestId('trace-scroller');
    await waitFor(
      async () => {
        maxRows = Math.max(maxRows, await renderedRows(page));
        const visible = await page.evaluate((lastId) => {
          const row = document.querySelector(`[data-testid="trace-row"][data-trace-id="${lastId}"]`);
          const box = document.querySelector('[data-testid="trace-scroller"]')?.getBoundingClientRect();
          if (!row || !box) return false;
          const r = row.getBoundingClientRect();
          return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        }, last);
        if (visible) return true;
        await scroller.evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        return false;
      },
      { timeoutMs: 120_000, what: `the last call (${last}) to be scrolled into view` },
    );
    assert.ok(maxRows < 150, `at most ${maxRows} rows were in the DOM at once`);
    await waitFor(async () => (await page.getByTestId('trace-count').getAttribute('data-count')) === String(N), {
      what: 'the count to reach 10,000',
    });

    /** @type {Array<string | null>} */
    const expected = [null];
    for (let i = 200; i < N; i += 200) expected.push(`k${i}`);
    assert.deepEqual(
      mock.traceRequests.map((r) => r.cursor),
      expected,
      'one request per page, each with the previous next_cursor',
    );
    assert.ok(mock.traceRequests.every((r) => r.limit === '200'));

    // The last turn's header is a screen above its last call; back at the top, the first call is there again.
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight - el.clientHeight - 1200;
    });
    await page.locator(`[data-testid="trace-turn"][data-turn="${N / PER_TURN}"]`).waitFor({ timeout: 5_000 });
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.locator(`[data-testid="trace-row"][data-trace-id="${id(0)}"]`).waitFor({ timeout: 5_000 });
    assert.ok((await renderedRows(page)) < 150);
    assert.equal(await page.locator(`[data-testid="trace-row"][data-trace-id="${last}"]`).count(), 0);

    await screenshot(page, t, 'traces-big');
    await closePage(page, pageErrors);
  });

  it('shows live calls: running, then outcome, latency, tokens and bars on the turn axis; opens a row', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);

    const CHAT = 'c_live';
    /** @type {unknown[]} */
    let stored = [];
    const mock = await mockNode(page, CHAT, () => ({ status: 200, body: { items: stored, next_cursor: null } }));
    await mock.open(node);
    await page.getByTestId('trace-toggle').click();
    await page.getByTestId('trace-empty').filter({ hasText: 'No tool or model calls' }).waitFor({ timeout: 10_000 });
    const chatGets = mock.chatGets();

    const row = (/** @type {string} */ id) => page.locator(`[data-testid="trace-row"][data-trace-id="${id}"]`);
    const modelInput = { model: 'gpt-test', messages: 3, tools: 6 };
    const actor = { actor_kind: 'session', actor_id: CHAT, parent_id: null };

    // A model call starts: a running row, its latency ticking.
    mock.send({ type: 'turn_start', turn: 1 });
    mock.send({ type: 'model_trace_start', id: 'm-1', turn: 1, model: 'gpt-test', input: modelInput, started_at: iso(0), ...actor });
    await waitFor(async () => (await row('m-1').getAttribute('data-state')) === 'running', { what: 'a running model row' });
    assert.equal((await row('m-1').getByTestId('trace-outcome').textContent())?.trim(), 'running');
    assert.equal(await row('m-1').getByTestId('trace-name').textContent(), 'gpt-test');
    const ticking = await row('m-1').getByTestId('trace-latency').textContent();
    await waitFor(async () => (await row('m-1').getByTestId('trace-latency').textContent()) !== ticking, {
      what: 'the running latency to advance',
    });
    near((await barOf(page, 'm-1')).width, 1, 1e-9, 'a lone running call spans its turn');

    // It finishes.
    mock.send({
      type: 'model_trace_finish',
      id: 'm-1',
      turn: 1,
      finished_at: iso(1_240_000),
      latency_ms: 1240,
      ttft_ms: 420,
      outcome: 'ok',
      output_preview: 'Let me run the tests.',
      error: null,
      finish_reason: 'tool_calls',
      attempts: 1,
      usage,
      tokens_used: usage.prompt + usage.completion,
      cache_tokens: usage.cache_hit,
      reasoning_tokens: usage.reasoning,
    });
    await waitFor(async () => (await row('m-1').getAttribute('data-outcome')) === 'ok', { what: 'the model call to end ok' });
    assert.equal(await row('m-1').getByTestId('trace-latency').textContent(), '1.24 s');
    assert.equal(await row('m-1').getByTestId('trace-ttft').textContent(), 'TTFT 420 ms');
    const tokens = row('m-1').getByTestId('trace-tokens');
    assert.equal(await tokens.textContent(), 'in 1.8k cached 1.5k out 142 reasoning 30');
    assert.equal(await tokens.getAttribute('data-input'), '1834');
    assert.equal(await tokens.getAttribute('data-cached'), '1536');
    assert.equal(await tokens.getAttribute('data-output'), '142');
    assert.equal(await tokens.getAttribute('data-reasoning'), '30');

    // A tool call, then another that overlaps it; one ends in error, one is denied.
    mock.send({ type: 'tool_trace_start', id: 't-1', turn: 1, tool: 'run_command', call_id: 'call_1', input: { argv: ['make', 'test'] }, started_at: iso(1_250_000), ...actor });
    await waitFor(async () => (await row('t-1').getAttribute('data-state')) === 'running', { what: 'a running tool row' });
    mock.send({ type: 'tool_trace_start', id: 't-2', turn: 1, tool: 'read_file', call_id: 'call_2', input: { path: '../etc/passwd' }, started_at: iso(1_300_000), ...actor });
    mock.send({
      type: 'tool_trace_finish',
      id: 't-2',
      turn: 1,
      tool: 'read_file',
      finished_at: iso(1_300_400),
      latency_ms: 0.4,
      outcome: 'denied',
      output_preview: 'path is outside the workspace',
      error: 'path is outside the workspace',
      exit_code: null,
      tokens_used: 8,
    });
    mock.send({
      type: 'tool_trace_finish',
      id: 't-1',
      turn: 1,
      tool: 'run_command',
      finished_at: iso(1_600_250),
      latency_ms: 350.25,
      outcome: 'error',
      output_preview: 'FAIL: 2 tests\n',
      error: 'exit status 2',
      exit_code: 2,
      tokens_used: 4,
    });
    await waitFor(async () => (await row('t-1').getAttribute('data-outcome')) === 'error', { what: 'the tool call to end in error' });
    await waitFor(async () => (await row('t-2').getAttribute('data-outcome')) === 'denied', { what: 'the denied call' });
    assert.equal(await row('t-1').getByTestId('trace-latency').textContent(), '350 ms');
    assert.equal(await row('t-1').getByTestId('trace-exit-code').textContent(), 'exit 2');
    assert.equal(await row('t-2').getByTestId('trace-latency').textContent(), '0.40 ms');
    assert.equal(await row('t-1').getByTestId('trace-tokens').count(), 0);

    // Colours: ok green, error red, denied orange.
    const colour = (/** @type {string} */ id) =>
      page.locator(`[data-testid="trace-bar"][data-trace-id="${id}"]`).evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(await colour('m-1'), 'rgb(23, 128, 61)');
    assert.equal(await colour('t-1'), 'rgb(180, 35, 24)');
    assert.equal(await colour('t-2'), 'rgb(194, 65, 12)');

    // Bars on the turn's axis: 0 .. 1.60025 s. Rows in start order.
    const spanMs = 1600.25;
    const ids = await page.locator('[data-testid="trace-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')));
    assert.deepEqual(ids, ['m-1', 't-1', 't-2']);
    const expected = { 'm-1': [0, 1240], 't-1': [1250, 350.25], 't-2': [1300, 0.4] };
    for (const [id, [startMs, latencyMs]] of Object.entries(expected)) {
      const bar = await barOf(page, id);
      near(bar.axisMs, spanMs, 1e-6, `${id} axis`);
      near(/** @type {number} */ (bar.latencyMs), latencyMs, 1e-9, `${id} latency`);
      near(bar.width, latencyMs / spanMs, 1e-9, `${id} width`);
      near(bar.left, startMs / spanMs, 1e-9, `${id} left`);
      near(bar.styleWidth, (100 * latencyMs) / spanMs, 1e-3, `${id} style width %`);
      near(bar.styleLeft, (100 * startMs) / spanMs, 1e-3, `${id} style left %`);
    }
    const turn = page.locator('[data-testid="trace-turn"][data-turn="1"]');
    assert.equal(await turn.getByTestId('trace-turn-latency').textContent(), '1.60 s');
    assert.equal(await turn.getByTestId('trace-turn-tokens').getAttribute('data-input'), '1834');

    // Open the tool call: its input (pretty JSON) and output.
    await row('t-1').getByTestId('trace-row-toggle').click();
    const detail = row('t-1').getByTestId('trace-detail');
    await detail.waitFor({ timeout: 5_000 });
    assert.equal(await detail.getByTestId('trace-input').textContent(), '{\n  "argv": [\n    "make",\n    "test"\n  ]\n}');
    assert.equal(await detail.getByTestId('trace-output').textContent(), 'FAIL: 2 tests\n');
    assert.equal(await row('t-1').getByTestId('trace-row-toggle').getAttribute('aria-expanded'), 'true');
    const box = await row('t-1').boundingBox();
    near(box?.height ?? 0, 380, 1, 'the opened row keeps its fixed height');
    // The row below moved down by the opened height.
    const below = await row('t-2').boundingBox();
    near((below?.y ?? 0) - (box?.y ?? 0), 380, 1, 'the next row starts below the opened one');

    await screenshot(page, t, 'traces-live');

    // The chat itself saw no gap: the trace frames counted in its seq.
    assert.equal(mock.chatGets(), chatGets);

    // Frames are lost (a seq gap): the viewer asks for the tail again and merges the stored
    // traces by id: no duplicate rows, and the stored (longer) output replaces the preview.
    stored = [
      trace({ id: 'm-1', chat: CHAT, turn: 1, kind: 'model', startUs: 0, endUs: 1_240_000 }),
      trace({ id: 't-1', chat: CHAT, turn: 1, kind: 'tool', tool: 'run_command', startUs: 1_250_000, endUs: 1_600_250, outcome: 'error', output: 'FAIL: 2 tests\nfull log line 2\n', input: { argv: ['make', 'test'] } }),
      trace({ id: 't-3', chat: CHAT, turn: 2, kind: 'tool', tool: 'search', startUs: 5_000_000, endUs: 5_020_000 }),
    ];
    const requests = mock.traceRequests.length;
    mock.send({ type: 'turn_end', turn: 1, outcome: 'completed', usage }, 3);
    await waitFor(() => mock.traceRequests.length > requests, { what: 'the tail to be fetched again after a gap' });
    assert.equal(mock.traceRequests[mock.traceRequests.length - 1]?.cursor, null);
    await row('t-3').waitFor({ timeout: 5_000 });
    await waitFor(async () => (await detail.getByTestId('trace-output').textContent()) === 'FAIL: 2 tests\nfull log line 2\n', {
      what: 'the stored output to replace the preview',
    });
    assert.equal(await page.locator('[data-testid="trace-row"]').count(), 4);
    assert.equal(await page.getByTestId('trace-count').getAttribute('data-count'), '4');

    // Close the row, then the panel.
    await row('t-1').getByTestId('trace-row-toggle').click();
    assert.equal(await row('t-1').getByTestId('trace-detail').count(), 0);
    await page.getByTestId('trace-toggle').click();
    assert.equal(await page.getByTestId('trace-panel').count(), 0);

    await closePage(page, pageErrors);
  });

  it('shows an error line when the traces API fails, and retries', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const CHAT = 'c_err';
    let fail = true;
    const mock = await mockNode(page, CHAT, () =>
      fail
        ? { status: 500, body: { error: { code: 'internal', message: 'the trace store is unavailable' } } }
        : {
            status: 200,
            body: { items: [trace({ id: 'ok-1', chat: CHAT, turn: 1, kind: 'tool', startUs: 0, endUs: 2_000 })], next_cursor: null },
          },
    );
    await mock.open(node);
    await page.getByTestId('trace-toggle').click();
    await page.getByTestId('trace-error').waitFor({ timeout: 10_000 });
    assert.match(await testIdText(page, 'trace-error'), /Could not load traces: the trace store is unavailable/);
    assert.equal(await page.getByTestId('trace-error').getAttribute('data-code'), 'internal');
    fail = false;
    await page.getByTestId('trace-error').getByRole('button', { name: 'Retry' }).click();
    await page.locator('[data-testid="trace-row"][data-trace-id="ok-1"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('trace-error').count(), 0);
    assert.equal(mock.traceRequests.length, 2);
    await page.close();
  });
});
