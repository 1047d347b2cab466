// A turn survives the page and the node, against a real node with a slow scripted model
// (e2e/fixtures/resume-script.json: a `sleep 6` command, then a long answer streamed in small
// pieces):
//
// (a) reloading the page mid-turn shows the turn so far from the `snapshot` (the running
//     command, the text streamed so far), then the rest, and the answer exactly once;
// (b) stopping the node mid-turn shows "Reconnecting… (attempt N)"; started again on the same
//     database and port, the page reconnects by itself, the turn resumes (the cut-short
//     command `interrupted`) and ends with its answer, once. (The node resumes the turn as it
//     starts, before the page is back: the page gets the resumed turn in a full snapshot and
//     does not see its `turn_start` with resumed: true, so there is no "resumed after restart"
//     note to check here; chat-ui.test.mjs checks it with frames it sends itself.)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import {
  compose,
  createChat,
  fixture,
  nodeSuite,
  openChat,
  restartNode,
  screenshot,
  stopNode,
  testIdText,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const scriptPath = fixture('resume-script.json');

describe('resume', { timeout: 300_000 }, () => {
  /** The script's answer after the command. */
  let answer = '';
  before(async () => {
    const script = JSON.parse(await readFile(scriptPath, 'utf8'));
    answer = script.turns[0].steps[1].text;
  });
  const suite = nodeSuite({ script: scriptPath, workspace: true });

  /** Creates a chat over the API and opens it. @param {import('playwright-core').Page} page @param {string} title */
  async function openNewChat(page, title) {
    const { node } = suite.started();
    const chatId = await createChat(node, { workspace: suite.workspace, title });
    await openChat(page, node, chatId, title);
    return chatId;
  }

  /** The turn ended with the answer shown once, and nothing is duplicated. @param {import('playwright-core').Page} page */
  async function expectFinished(page) {
    const final = page.locator('[data-testid="message-assistant"]', { hasText: 'That is all.' });
    await final.waitFor({ timeout: 60_000 });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 30_000 });
    assert.equal(await final.count(), 1, 'the answer once');
    assert.equal((await final.textContent())?.trim(), answer);
    assert.equal(await page.getByTestId('message-streaming').count(), 0);
    assert.equal(await page.getByTestId('message-user').count(), 1, 'one user message');
    assert.equal(await page.getByTestId('message-assistant').count(), 2, 'the step with the command, and the answer');
    assert.equal(await page.getByTestId('tool-call').count(), 1, 'one tool call');
    assert.equal(await page.locator('[data-testid="message-assistant"]', { hasText: 'Let me run the slow check first.' }).count(), 1);
  }

  it('a reload mid-turn shows the turn so far, then the rest, once', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const problems = watchPage(page);
    const chatId = await openNewChat(page, 'Reload mid-turn');
    await compose(page, 'Run the slow check, then explain.');

    // The command runs: reload. The snapshot shows it running (it is not over for seconds).
    const sleep = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]', { hasText: 'sleep 6' });
    await sleep.and(page.locator('[data-outcome="running"]')).waitFor({ timeout: 30_000 });
    await page.reload();
    await waitForTestIdText(page, 'ws-status', 'connected');
    await sleep.and(page.locator('[data-outcome="running"]')).waitFor({ timeout: 5_000 });
    await waitForTestIdText(page, 'turn-status', 'running');
    assert.equal(await page.getByTestId('message-user').count(), 1);

    // The answer streams: reload again. What the page shows first after the reload is the
    // answer from its start (the snapshot's text so far), at least as much as before: were it
    // only the deltas after the reload, it would start mid-sentence.
    const streaming = page.locator('[data-testid="message-streaming"] [data-testid="streaming-text"]');
    const before = await waitFor(
      async () => {
        const text = ((await streaming.textContent({ timeout: 1_000 }).catch(() => '')) ?? '').trim();
        return text.length >= 40 ? text : '';
      },
      { what: 'some of the answer to stream', timeoutMs: 30_000 },
    );
    assert.ok(answer.startsWith(before), `streamed ${JSON.stringify(before)}`);
    await page.reload();
    const after = await waitFor(
      async () => {
        const text = ((await streaming.textContent({ timeout: 1_000 }).catch(() => '')) ?? '').trim();
        return text !== '' ? text : '';
      },
      { what: 'the streamed text after the reload', timeoutMs: 15_000, intervalMs: 10 },
    );
    assert.ok(answer.startsWith(after), `after the reload the page showed ${JSON.stringify(after)}, not the start of the answer`);
    assert.ok(after.length >= before.length, `after the reload: ${after.length} characters, before: ${before.length}`);
    assert.equal(await sleep.getAttribute('data-outcome'), 'ok');

    await expectFinished(page);
    // The page agrees with the node.
    const stored = /** @type {{messages: Array<{role: string}>}} */ (
      await (await fetch(`${node.url}/api/chats/${encodeURIComponent(chatId)}`)).json()
    );
    assert.deepEqual(
      stored.messages.map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('the node restarts mid-turn: the page reconnects, and the turn resumes and ends once', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openNewChat(page, 'Restart mid-turn');
    await compose(page, 'Run the slow check, then explain.');
    const sleep = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]', { hasText: 'sleep 6' });
    await sleep.and(page.locator('[data-outcome="running"]')).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('connection-status').count(), 0);

    // The node goes away (WebSocket close 1001): the page says it is reconnecting.
    await stopNode(node, { keepData: true });
    const pill = page.getByTestId('connection-status');
    await pill.waitFor({ timeout: 5_000 });
    assert.match(await testIdText(page, 'connection-status'), /^Reconnecting… \(attempt \d+\)$/);
    assert.equal(await pill.getAttribute('data-state'), 'reconnecting');
    await waitForTestIdText(page, 'ws-status', 'disconnected');
    await screenshot(page, t, 'reconnecting');

    // Back on the same database and port: the page reconnects on its own (backoff <= 10 s).
    suite.node = await restartNode(node);
    await waitForTestIdText(page, 'ws-status', 'connected', { timeoutMs: 30_000 });
    await waitFor(async () => (await pill.count()) === 0, { what: 'the reconnecting pill to go' });

    // The turn resumes: the command that was cut short is interrupted, the model goes on.
    await waitFor(async () => (await sleep.getAttribute('data-outcome')) === 'interrupted', {
      what: 'the command to show as interrupted',
      timeoutMs: 30_000,
    });
    await expectFinished(page);
    assert.equal(await sleep.getAttribute('data-outcome'), 'interrupted');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
