// The chat UI against the documented contract, with the chat API and /ws mocked in the
// browser (Playwright route + routeWebSocket) so every frame of docs/protocol.md can be sent
// exactly when the test wants: snapshots, streaming, duplicates, tool calls, errors, cancel, a
// seq gap (a full snapshot again), a reconnect (a resumed snapshot), a resumed turn with an
// interrupted tool call, and a failed session restarted by hand. The real node only serves
// the app and /api/health.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePage, nodeSuite, openChat, pageErrorsOf, screenshot, testIdText, waitFor, waitForTestIdText } from './harness.mjs';
import { USAGE as usage, fulfillJson, mockChat, mockSocket, routeChat, snapshotFrame } from './mock-node.mjs';

const CHAT_ID = 'c_mock0001';
const chat = mockChat(CHAT_ID, 'Mocked chat');

/** @param {number} id @param {string} role @param {string} content @param {Record<string, unknown>} [extra] */
function msg(id, role, content, extra = {}) {
  return { id, role, content, turn: 1, created_at: '2026-11-24T06:10:00.000Z', ...extra };
}

describe('chat UI (mocked chat API and WebSocket)', { timeout: 180_000 }, () => {
  const suite = nodeSuite();

  it('streams a turn, dedupes by seq, shows tools and errors, cancels, resyncs on a gap, resumes after a reconnect', async (t) => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);

    /** The messages a full snapshot (and GET /api/chats/:id) holds. @type {unknown[]} */
    let stored = [];
    await routeChat(page, chat, () => ({ ...chat, messages: stored }));

    const epoch = 1;
    /** Frames a resumed snapshot is followed by (the ones sent while the page was away). @type {Record<string, unknown>[]} */
    let missed = [];
    const mock = await mockSocket(page, CHAT_ID, (frame, ws) => {
      if (frame.epoch === epoch && typeof frame.after_seq === 'number') {
        ws.send(JSON.stringify({ type: 'snapshot', chat_id: frame.chat_id, seq: frame.after_seq, epoch, status: 'idle', resumed: true }));
        for (const f of missed) ws.send(JSON.stringify({ chat_id: CHAT_ID, seq: ++mock.seq, ...f }));
        missed = [];
        return;
      }
      ws.send(snapshotFrame({ chat_id: frame.chat_id, seq: mock.seq, epoch, messages: stored }));
    });
    const { fromClient, current, send, clientFrame } = mock;

    await openChat(page, node, CHAT_ID, 'Mocked chat');
    await clientFrame((f) => f.type === 'subscribe' && f.chat_id === CHAT_ID, 'subscribe');
    await waitForTestIdText(page, 'turn-status', 'idle');

    // Send: the message shows at once (optimistic), over the WebSocket with a client_id.
    await page.getByTestId('composer-input').fill('List the files');
    await page.getByTestId('composer-send').click();
    const um = /** @type {Record<string, any>} */ (await clientFrame((f) => f.type === 'user_message', 'user_message'));
    assert.equal(um.chat_id, CHAT_ID);
    assert.equal(um.text, 'List the files');
    assert.match(um.client_id, /^m-/);
    await page.locator('[data-testid="message-user"][data-pending="sending"]').waitFor({ timeout: 5_000 });

    const userMessage = msg(1, 'user', 'List the files', { client_id: um.client_id });
    send({ type: 'ack', client_id: um.client_id, message_id: 1 });
    send({ type: 'message', message: userMessage });
    await waitFor(async () => (await page.locator('[data-testid="message-user"][data-pending]').count()) === 0, {
      what: 'the optimistic message to be replaced',
    });
    assert.equal(await page.getByTestId('message-user').count(), 1);

    // Streaming, with a duplicate frame that must be ignored.
    send({ type: 'turn_start', turn: 1, user_message_ids: [1] });
    send({ type: 'reasoning_delta', turn: 1, text: 'The user wants a listing.' });
    send({ type: 'assistant_delta', turn: 1, text: 'Let me look' });
    current().send(JSON.stringify({ type: 'assistant_delta', chat_id: CHAT_ID, seq: mock.seq, turn: 1, text: ' DUPLICATE' }));
    send({ type: 'assistant_delta', turn: 1, text: ' at the **files**.' });
    await page.locator('[data-testid="message-streaming"]', { hasText: 'Let me look at the files.' }).waitFor({ timeout: 5_000 });
    assert.doesNotMatch(await testIdText(page, 'message-streaming'), /DUPLICATE/);
    await waitForTestIdText(page, 'turn-status', 'running');
    await page.getByTestId('cancel-turn').waitFor({ timeout: 5_000 });

    // The step is stored, then its tool call runs and ends.
    const call = { id: 'call_1', name: 'run_command', arguments: '{"argv":["ls","-la"]}' };
    const assistant1 = msg(2, 'assistant', 'Let me look at the **files**.', {
      reasoning: 'The user wants a listing.',
      tool_calls: [call],
    });
    send({ type: 'message', message: assistant1 });
    send({ type: 'tool_call', turn: 1, call_id: call.id, name: call.name, arguments: call.arguments });
    const tool = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]');
    await waitFor(async () => (await tool.getAttribute('data-outcome')) === 'running', { what: 'a running tool call' });
    send({
      type: 'tool_result',
      turn: 1,
      call_id: call.id,
      name: call.name,
      outcome: 'ok',
      output: 'notes.txt\nsrc\n',
      exit_code: 0,
      duration_ms: 15,
    });
    await waitFor(async () => (await tool.getAttribute('data-outcome')) === 'ok', { what: 'the tool call to end ok' });
    assert.equal(await tool.getByTestId('tool-duration').textContent(), '15 ms');
    assert.equal(await tool.getByTestId('tool-exit-code').textContent(), 'exit 0');
    const toolMessage = msg(3, 'tool', 'notes.txt\nsrc\n', {
      tool_call_id: call.id,
      tool_name: call.name,
      outcome: 'ok',
      exit_code: 0,
      duration_ms: 15,
    });
    send({ type: 'message', message: toolMessage });

    // An error inside the turn shows inline.
    send({ type: 'error', code: 'model_error', message: 'the model endpoint answered 502' });
    await page.locator('[data-testid="error-banner"]', { hasText: 'the model endpoint answered 502' }).waitFor({ timeout: 5_000 });

    // More streaming, then Cancel.
    send({ type: 'assistant_delta', turn: 1, text: 'Half an ans' });
    await page.locator('[data-testid="message-streaming"]', { hasText: 'Half an ans' }).waitFor({ timeout: 5_000 });
    await page.getByTestId('cancel-turn').click();
    await clientFrame((f) => f.type === 'cancel' && f.chat_id === CHAT_ID, 'cancel');
    send({ type: 'turn_end', turn: 1, outcome: 'cancelled', usage });
    await waitForTestIdText(page, 'turn-status', 'cancelled');
    assert.equal(await page.getByTestId('cancel-turn').count(), 0);
    assert.equal(await testIdText(page, 'turn-usage'), 'tokens in 1,834 · cached 1,536 · out 142');
    assert.equal(await page.locator('[data-testid="turn-end"][data-outcome="cancelled"]').count(), 1);

    await screenshot(page, t, 'chat-ui');

    // A gap in seq: the page subscribes again, without after_seq, and the full snapshot
    // replaces what it had.
    const assistant2 = msg(5, 'assistant', 'Missed this one while away.', { turn: 2 });
    stored = [userMessage, assistant1, toolMessage, msg(4, 'user', 'again', { turn: 2 }), assistant2];
    const subscribesBefore = fromClient.filter((f) => f.type === 'subscribe').length;
    send({ type: 'turn_end', turn: 2, outcome: 'completed', usage }, 4); // seq + 5: four frames lost
    const resubscribe = /** @type {Record<string, any>} */ (
      await waitFor(() => fromClient.filter((f) => f.type === 'subscribe')[subscribesBefore], { what: 'a subscribe after the gap' })
    );
    assert.deepEqual(resubscribe, { type: 'subscribe', chat_id: CHAT_ID });
    await page.locator('[data-testid="message-assistant"]', { hasText: 'Missed this one while away.' }).waitFor({ timeout: 5_000 });
    await page.locator('[data-testid="message-user"]', { hasText: 'again' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.getByTestId('message-user').count(), 2);
    assert.equal(await page.getByTestId('message-assistant').count(), 2);

    // The node goes away: the pill says so, the page reconnects and continues from the last
    // seq it applied (a resumed snapshot, then the frames it missed).
    assert.equal(await page.getByTestId('connection-status').count(), 0);
    const subscribes = fromClient.filter((f) => f.type === 'subscribe').length;
    const lastSeq = mock.seq;
    const assistant3 = msg(6, 'assistant', 'Sent while the page was away.', { turn: 2 });
    missed = [{ type: 'message', message: assistant3 }];
    await current().close({ code: 1001, reason: 'going away' });
    await waitForTestIdText(page, 'connection-status', 'Reconnecting… (attempt 1)', { timeoutMs: 5_000 });
    assert.equal(await page.getByTestId('connection-status').getAttribute('data-state'), 'reconnecting');
    await waitForTestIdText(page, 'ws-status', 'connected');
    const again = /** @type {Record<string, any>} */ (
      await waitFor(() => fromClient.filter((f) => f.type === 'subscribe')[subscribes], { what: 'a new subscribe after reconnecting' })
    );
    assert.deepEqual(again, { type: 'subscribe', chat_id: CHAT_ID, after_seq: lastSeq, epoch });
    await page.locator('[data-testid="message-assistant"]', { hasText: 'Sent while the page was away.' }).waitFor({ timeout: 5_000 });
    await waitFor(async () => (await page.getByTestId('connection-status').count()) === 0, { what: 'the pill to go' });
    assert.equal(await page.getByTestId('message-assistant').count(), 3);

    // The node restarts mid-turn: a new epoch's full snapshot comes unprompted (the turn so far,
    // its running command), then the turn resumes: it is marked, and the command that was cut
    // short shows as interrupted.
    const question = msg(7, 'user', 'and now?', { turn: null });
    send({ type: 'message', message: question });
    send({ type: 'turn_start', turn: 3, user_message_ids: [7] });
    send({ type: 'assistant_delta', turn: 3, text: 'Building' });
    await page.locator('[data-testid="message-streaming"]', { hasText: 'Building' }).waitFor({ timeout: 5_000 });
    const make = { turn: 3, call_id: 'call_9', name: 'run_command', arguments: '{"argv":["make"]}' };
    mock.seq = 0;
    current().send(
      snapshotFrame({
        chat_id: CHAT_ID,
        seq: mock.seq,
        epoch: 2,
        status: 'running',
        messages: [...stored, assistant3, { ...question, turn: 3 }],
        turn: { number: 3, text: 'Building it.', reasoning: '', running_tools: [make] },
        usage,
      }),
    );
    await page.locator('[data-testid="message-streaming"]', { hasText: 'Building it.' }).waitFor({ timeout: 5_000 });
    const interrupted = page.locator('[data-testid="tool-call"][data-call-id="call_9"]');
    await waitFor(async () => (await interrupted.getAttribute('data-outcome')) === 'running', { what: 'the running command from the snapshot' });
    send({ type: 'turn_start', turn: 3, resumed: true });
    await page.locator('[data-testid="message-streaming"] [data-testid="turn-resumed"]').waitFor({ timeout: 5_000 });
    send({
      type: 'tool_result',
      ...make,
      outcome: 'interrupted',
      output: 'the node stopped while this ran',
      exit_code: null,
      duration_ms: 0,
    });
    await waitFor(async () => (await interrupted.getAttribute('data-outcome')) === 'interrupted', { what: 'an interrupted tool call' });
    assert.equal(await interrupted.getByTestId('tool-outcome').textContent(), 'interrupted');
    send({ type: 'turn_end', turn: 3, outcome: 'completed', usage });
    await page.locator('[data-testid="turn-end"][data-turn="3"] [data-testid="turn-resumed"]').waitFor({ timeout: 5_000 });
    // The user message belongs to turn 3 (turn_start's user_message_ids).
    assert.equal(await page.locator('[data-testid="message-user"][data-message-id="7"]').getAttribute('data-turn'), '3');

    await closePage(page, pageErrors);
  });

  it('shows a failed session with its error, and Restart brings it back', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);
    await routeChat(page, chat);
    let restarts = 0;
    await page.route(`**/api/chats/${CHAT_ID}/restart`, (route) => {
      restarts++;
      assert.equal(route.request().method(), 'POST');
      return fulfillJson(route, { restarted: true });
    });
    // The session has failed: a subscribe is answered by session_failed only.
    const mock = await mockSocket(page, CHAT_ID, (_frame, ws) => {
      ws.send(JSON.stringify({ type: 'session_failed', chat_id: CHAT_ID, crashes: 5, error: 'storage failure: the turn failed' }));
    });
    await page.goto(`${node.url}/chats/${CHAT_ID}`);
    await waitForTestIdText(page, 'chat-title', 'Mocked chat');
    const banner = page.getByTestId('session-failed');
    await banner.waitFor({ timeout: 10_000 });
    assert.match(await testIdText(page, 'session-failed'), /crashing 5 times: storage failure: the turn failed/);
    await page.getByTestId('session-restart').click();
    await waitFor(() => restarts === 1, { what: 'POST /api/chats/:id/restart' });
    // After the restart the node sends a full snapshot.
    mock.current().send(snapshotFrame({ chat_id: CHAT_ID, epoch: 2, messages: [msg(1, 'user', 'waited in the inbox', { turn: null })] }));
    await waitFor(async () => (await banner.count()) === 0, { what: 'the banner to go' });
    await page.locator('[data-testid="message-user"]', { hasText: 'waited in the inbox' }).waitFor({ timeout: 5_000 });
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it('says why no node can serve a chat, and clears it when one does', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);
    await routeChat(page, chat);
    // A cluster whose nodes cannot see the chat's workspace (docs/cluster.md).
    const why = 'chat c1: its workspace /w/x is not reachable on node node-c';
    const mock = await mockSocket(page, CHAT_ID, (_frame, ws) => {
      ws.send(JSON.stringify({ type: 'session_failed', chat_id: CHAT_ID, crashes: 0, error: why }));
    });
    await page.goto(`${node.url}/chats/${CHAT_ID}`);
    const banner = page.getByTestId('session-failed');
    await banner.waitFor({ timeout: 10_000 });
    const text = await testIdText(page, 'session-failed');
    assert.match(text, /cannot be served right now: chat c1: its workspace \/w\/x is not reachable/);
    assert.doesNotMatch(text, /crashing/);
    // The folder is back: a node takes the chat and its snapshot arrives.
    mock.current().send(snapshotFrame({ chat_id: CHAT_ID, epoch: 3, messages: [msg(1, 'user', 'are the files there?', { turn: null })] }));
    await waitFor(async () => (await banner.count()) === 0, { what: 'the banner to go' });
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it('shows a frame the page does not understand, and keeps the connection', async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const mock = await mockSocket(page, 'c1');
    await page.goto(`${node.url}/`);
    await waitForTestIdText(page, 'ws-status', 'connected');
    // An outcome that is not a string cannot be understood (a newer node's outcome *name* can:
    // see the next test).
    mock.send({ type: 'turn_end', turn: 1, outcome: 7 });
    await page.getByTestId('protocol-error').waitFor({ timeout: 5_000 });
    assert.match(await testIdText(page, 'protocol-error'), /outcome/);
    assert.equal(await testIdText(page, 'ws-status'), 'connected');
    await page.close();
  });

  it("keeps a newer node's frames and states, shows them by name, and never subscribes again", async () => {
    const { node, browser } = suite.started();
    const page = await browser.newPage();
    const pageErrors = pageErrorsOf(page);
    /** @type {string[]} */
    const notes = [];
    page.on('console', (m) => {
      if (m.text().includes('does not know')) notes.push(m.text());
    });
    const newer = { ...chat, status: 'hibernating' };
    await routeChat(page, newer);
    const mock = await mockSocket(page, CHAT_ID, (frame, ws) => ws.send(snapshotFrame({ chat_id: frame.chat_id })));
    await page.goto(`${node.url}/chats/${CHAT_ID}`);
    await waitForTestIdText(page, 'chat-title', 'Mocked chat');
    // A status this page does not know is shown by its name.
    await waitForTestIdText(page, 'chat-status', 'hibernating');
    await mock.clientFrame((f) => f.type === 'subscribe', 'the subscribe');

    // Frames of a type this page does not know, twice; a tool result with an outcome it does not
    // know; then frames it knows: all applied in order, no gap, no second subscribe.
    mock.send({ type: 'budget_warning', turn: 1, left: 0.2 });
    mock.send({ type: 'budget_warning', turn: 1, left: 0.1 });
    mock.send({ type: 'turn_start', turn: 1, user_message_ids: [] });
    mock.send({ type: 'tool_call', turn: 1, call_id: 'k1', name: 'run_command', arguments: '{"argv":["make"]}' });
    mock.send({ type: 'tool_result', turn: 1, call_id: 'k1', name: 'run_command', outcome: 'vetoed', output: 'no', exit_code: null, duration_ms: 3 });
    mock.send({ type: 'assistant_delta', turn: 1, text: 'The newer node answered.' });
    await page.getByText('The newer node answered.').waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('[data-testid="tool-call"][data-call-id="k1"]').getAttribute('data-outcome'), 'vetoed');
    assert.equal(mock.fromClient.filter((f) => f.type === 'subscribe').length, 1, 'no re-subscribe');
    assert.equal(await page.getByTestId('protocol-error').count(), 0);
    // Each unknown name noted once.
    await waitFor(() => notes.length >= 3, { what: 'the console notes' });
    assert.equal(notes.filter((n) => n.includes('budget_warning')).length, 1);
    assert.ok(notes.some((n) => n.includes('"hibernating"')));
    assert.ok(notes.some((n) => n.includes('"vetoed"')));
    assert.deepEqual(pageErrors, []);
    await page.close();
  });
});
