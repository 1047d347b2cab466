// Prompt-cache telemetry against a real node whose model is a fake OpenAI-compatible server
// written here: it streams a short answer and reports usage with cached prompt tokens
// (usage.prompt_tokens_details.cached_tokens, as OpenAI does), different for each call:
//
//   call 1: 1,000 prompt tokens, none cached
//   call 2: 1,200 prompt tokens, 1,024 cached
//   call 3: 1,400 prompt tokens, none cached: nothing in the prompt changed, so the node reports
//           the cache as broken, "evicted" (the provider dropped it within its time to live)
//
// Three messages make three turns of one model call each. After each turn the chat header shows
// the chat's hit rate, the tokens read from the cache and the cost (the node is given prices);
// the trace viewer shows each model call's cache strip with its hit rate, each turn's hit rate,
// and the third call's break in words.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CHAT_VIEWPORT,
  closePage,
  compose,
  createChat,
  launchBrowser,
  openChat,
  screenshot,
  startNode,
  stopNode,
  tempWorkspace,
  testIdText,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const DEADLINE_MS = 30_000;
/** What each call reports: prompt tokens and how many of them came from the cache. */
const CALLS = [
  { prompt: 1000, cached: 0 },
  { prompt: 1200, cached: 1024 },
  { prompt: 1400, cached: 0 },
];
const COMPLETION = 8;

/**
 * An OpenAI-compatible endpoint on 127.0.0.1:0 that streams "Answer N." and reports the usage of
 * CALLS[N - 1] (the last one again after them).
 * @returns {Promise<{baseUrl: string, calls: () => number, close: () => Promise<void>}>}
 */
async function startFakeModel() {
  let calls = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const n = ++calls;
      const use = CALLS[Math.min(n, CALLS.length) - 1] ?? { prompt: 1, cached: 0 };
      /** @param {unknown} delta @param {string | null} finish */
      const event = (delta, finish) => ({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] });
      const events = [
        event({ role: 'assistant', content: '' }, null),
        event({ content: `Answer ${n}.` }, null),
        event({}, 'stop'),
        {
          id: 'chatcmpl-fake',
          choices: [],
          usage: {
            prompt_tokens: use.prompt,
            completion_tokens: COMPLETION,
            total_tokens: use.prompt + COMPLETION,
            prompt_tokens_details: { cached_tokens: use.cached },
          },
        },
      ];
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The header's cost as the page formats dollars (format.ts formatUsd). @param {number} usd */
function usd(usd) {
  return `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`;
}

describe('prompt-cache telemetry', { timeout: 300_000 }, () => {
  /** @type {import('./harness.mjs').NodeHandle | undefined} */
  let node;
  /** @type {import('./harness.mjs').BrowserHandle | undefined} */
  let browser;
  /** @type {Awaited<ReturnType<typeof startFakeModel>> | undefined} */
  let model;
  let workspace = '';

  before(async () => {
    workspace = await tempWorkspace();
    model = await startFakeModel();
    // Prices per million tokens: input 1, cached input 0.10, output 2.
    node = await startNode({ extraArgs: ['--model-base-url', model.baseUrl, '--model', 'fake', '--model-prices', '1,0.1,2'] });
    browser = await launchBrowser({ viewport: CHAT_VIEWPORT });
  });

  after(async () => {
    try {
      await browser?.close();
      if (node) await stopNode(node);
    } finally {
      await model?.close();
      if (workspace && process.env.BOOCODE_E2E_KEEP !== '1') await rm(workspace, { recursive: true, force: true });
    }
  });

  it('shows the hit rate and cost in the header, and each call\'s cache and break in the traces', async (t) => {
    assert.ok(node && browser && model);
    const chatId = await createChat(node, { workspace, title: 'Cache' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, node, chatId, 'Cache');
    // No model call yet: no figures (not zeros).
    assert.equal(await page.getByTestId('chat-cache').count(), 0);

    /** GET /api/chats/:id/usage's total line. */
    const total = async () => {
      const res = await fetch(`${node?.url}/api/chats/${chatId}/usage`);
      assert.equal(res.status, 200);
      return /** @type {{total: {cost_usd: number, model_calls: number}}} */ (await res.json()).total;
    };

    // After each turn's end the header follows, without a reload.
    const expectedRate = ['0% cached', '47% cached', '28% cached']; // 0/1000, 1024/2200, 1024/3600
    for (const [i, rate] of expectedRate.entries()) {
      await compose(page, `Message ${i + 1}`);
      await page.locator(`[data-testid="turn-end"][data-turn="${i + 1}"][data-outcome="completed"]`).waitFor({ timeout: DEADLINE_MS });
      await waitForTestIdText(page, 'chat-cache-rate', rate, { timeoutMs: DEADLINE_MS });
    }
    assert.equal(model.calls(), 3);
    assert.equal(await testIdText(page, 'chat-cache-saved'), '1k tok saved');
    const line = await total();
    assert.equal(line.model_calls, 3);
    assert.ok(line.cost_usd > 0, 'the node priced the calls');
    await waitForTestIdText(page, 'chat-cost', usd(line.cost_usd));
    assert.match((await page.getByTestId('chat-cache').getAttribute('title')) ?? '', /The cache broke once/);

    // The trace viewer: a strip per model call, with the provider's counts.
    await page.getByTestId('trace-toggle').click();
    const modelRows = page.locator('[data-testid="trace-row"][data-kind="model"]');
    await waitFor(async () => (await modelRows.locator('[data-testid="cache-strip"]').count()) === 3, {
      timeoutMs: DEADLINE_MS,
      what: 'three model calls with a cache strip',
    });
    const summaries = await modelRows.getByTestId('cache-summary').allTextContents();
    assert.deepEqual(summaries, ['0% cached · 0 / 1,000 tok', '85% cached · 1,024 / 1,200 tok', '0% cached · 0 / 1,400 tok']);
    for (const cost of await modelRows.getByTestId('cache-cost').allTextContents()) assert.match(cost, /^\$0\.\d{4}/);

    // Each segment names itself for a pointer and a screen reader; the second call's cached part
    // is filled, and a marker shows where its cached prefix stopped (or none: all of it cached).
    const second = modelRows.nth(1);
    const segs = second.getByTestId('cache-seg');
    assert.ok((await segs.count()) >= 2);
    for (const label of await segs.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
      assert.match(label, /^(tool \S+|system prompt|history|new messages).*: ≈[\d,]+ tok, .* \(est\.\)$/);
    }
    const kinds = await segs.evaluateAll((els) => els.map((e) => /** @type {HTMLElement} */ (e).dataset.kind));
    assert.ok(kinds.includes('tool') && kinds.includes('new'), `segment kinds: ${kinds.join(', ')}`);
    const cached = await segs.evaluateAll((els) => els.map((e) => Number(/** @type {HTMLElement} */ (e).dataset.cached)));
    assert.ok(cached.some((c) => c > 0), 'some of the second call is cached');
    assert.ok(cached.every((c) => c === 0 || c <= 1));
    assert.equal(await modelRows.first().locator('[data-testid="cache-seg"][data-cached="0"]').count(), await modelRows.first().getByTestId('cache-seg').count());

    // The third call broke the cache: nothing in its prompt changed, so the provider evicted it.
    const third = modelRows.nth(2);
    const badge = third.getByTestId('cache-break');
    assert.equal(await badge.getAttribute('data-cause'), 'evicted');
    assert.match((await badge.textContent()) ?? '', /^!Cache broke: evicted after \d+s idle$/);
    assert.equal(await third.getByTestId('cache-break-tokens').textContent(), 'cached 1,024 → 0 tok');
    assert.equal(await modelRows.getByTestId('cache-break').count(), 1);

    // Each turn's hit rate, and the break counted on its turn.
    const turnRates = await page.getByTestId('trace-turn-cache').allTextContents();
    assert.deepEqual(turnRates, ['0% cached', '85% cached', '0% cached · 1 cache break']);

    await screenshot(page, t, 'prompt-cache');
    await closePage(page, problems);
  });
});
