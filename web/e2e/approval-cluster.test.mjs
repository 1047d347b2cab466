// An approval outlives the node that asked, in a cluster of three real nodes on one PostgreSQL
// (startCluster in the harness: node-a runs its embedded PostgreSQL, node-b and node-c use it
// through --database-url; heartbeat 250 ms, node timeout 1.5 s), with the scripted model
// (e2e/fixtures/approval-script.json: a turn that runs `sh -c "echo ran >> ran.txt"`):
//
// a chat that asks, owned by node-b, is open in page A on node-a and page B on node-b; a message
// makes the command wait for a decision and both pages show its card. node-b is killed
// (SIGKILL) while the request waits: a survivor takes the chat over and its resumed turn asks
// again with the same approval id: page A (still on node-a) gets a fresh snapshot of the new
// session, then the request again (or in the snapshot, if asked before), and its card shows
// again; page B lost its node and is reopened on node-c, where the card shows again. Allow in page B
// removes the card in both pages, the turn completes, and the command ran exactly once.
//
// On a failure the test writes what the pages received (their WebSocket frames) and the tail of
// every node's log to the temp dir, and names the file in its diagnostics.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CHAT_VIEWPORT,
  closePage,
  compose,
  createChat,
  fixture,
  killNode,
  launchBrowser,
  openChat,
  screenshot,
  sqlScalar,
  startCluster,
  stopCluster,
  tempWorkspace,
  testIdText,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const COMMAND = "sh -c 'echo ran >> ran.txt'";
const TITLE = 'Approve across nodes';
/** Every wait on the cluster (a takeover, a card, the turn) has this deadline. */
const DEADLINE_MS = 30_000;

/** @param {import('playwright-core').Page} page */
function card(page) {
  return page.getByRole('group', { name: 'Approval: run_command' });
}

/** @param {import('playwright-core').Page} page */
function command(page) {
  return page.locator('[data-testid="tool-call"][data-tool-name="run_command"]');
}

/**
 * @typedef {{at: number, page: string, url: string, frame: any}} Received
 * Every frame a page's WebSockets received, in order, parsed, with when it came.
 */

/**
 * Records every frame the page's WebSockets receive (across reconnects and navigations).
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {Received[]} into
 */
function recordFrames(page, name, into) {
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      let frame;
      try {
        frame = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
      } catch {
        frame = { unparsed: String(payload) };
      }
      into.push({ at: Date.now(), page: name, url: ws.url(), frame });
    });
  });
}

/** The chat's owner in actor_leases ('' when none). @param {import('./harness.mjs').NodeHandle} db @param {string} chatId */
async function ownerOf(db, chatId) {
  assert.match(chatId, /^[A-Za-z0-9_-]+$/);
  return sqlScalar(db, `SELECT node_id FROM actor_leases WHERE actor_id = '${chatId}'`);
}

/** GET a JSON path of a node. @param {{url: string}} node @param {string} p */
async function getJson(node, p) {
  const res = await fetch(node.url + p);
  assert.equal(res.status, 200, `GET ${p}: ${res.status}`);
  return /** @type {any} */ (await res.json());
}

describe('an approval in a cluster', { timeout: 240_000 }, () => {
  /** @type {import('./harness.mjs').NodeHandle[]} */
  let nodes = [];
  /** @type {import('./harness.mjs').BrowserHandle | undefined} */
  let browser;
  let workspace = '';

  before(async () => {
    workspace = await tempWorkspace();
    nodes = await startCluster(3, { extraArgs: ['--model-script', fixture('approval-script.json')] });
    browser = await launchBrowser({ viewport: CHAT_VIEWPORT });
  });

  after(async () => {
    try {
      await browser?.close();
      await stopCluster(nodes);
    } finally {
      if (workspace && process.env.BOOCODE_E2E_KEEP !== '1') await rm(workspace, { recursive: true, force: true });
    }
  });

  it('a request waiting on a killed node is asked again by a survivor and answered once', async (t) => {
    const [nodeA, nodeB, nodeC] = nodes;
    assert.ok(nodeA && nodeB && nodeC && browser);
    const ranFile = path.join(workspace, 'ran.txt');
    /** @type {Received[]} */
    const frames = [];
    /** @type {string[]} */
    const steps = [];
    const step = (/** @type {string} */ what) => steps.push(`${new Date().toISOString()} ${what}`);

    try {
      // A chat that asks, owned by node-b: placement picks the node with the fewest chats,
      // so create them (through node-a) until one lands there.
      let chatId = '';
      /** @type {string[]} */
      const placed = [];
      for (let i = 0; i < 9 && !chatId; i++) {
        const id = await createChat(nodeA, { workspace, title: TITLE, permission_mode: 'ask' });
        const owner = await ownerOf(nodeA, id);
        placed.push(owner);
        if (owner === 'node-b') chatId = id;
      }
      assert.ok(chatId, `no chat was placed on node-b (owners: ${placed.join(', ')})`);
      step(`chat ${chatId} owned by node-b`);

      const pageA = await browser.newPage();
      const problemsA = watchPage(pageA);
      recordFrames(pageA, 'A', frames);
      const pageB = await browser.newPage();
      const problemsB = watchPage(pageB);
      recordFrames(pageB, 'B', frames);
      await openChat(pageA, nodeA, chatId, TITLE);
      await openChat(pageB, nodeB, chatId, TITLE);
      assert.equal(await pageA.getByTestId('permission-mode').inputValue(), 'ask');

      // The message: the command waits, and both pages show its card with the same id.
      await compose(pageA, 'Record that it ran.');
      const request = await waitFor(
        () => frames.find((r) => r.page === 'A' && r.frame.type === 'approval_request')?.frame,
        { what: 'an approval_request frame in page A', timeoutMs: DEADLINE_MS },
      );
      const approvalId = String(request.id);
      const firstEpoch = frames.find((r) => r.page === 'A' && r.frame.type === 'snapshot')?.frame.epoch;
      step(`approval ${approvalId} requested`);
      for (const p of [pageA, pageB]) {
        await card(p).waitFor({ timeout: DEADLINE_MS });
        assert.equal(await card(p).getAttribute('data-approval-id'), approvalId);
        assert.equal((await card(p).getByTestId('approval-command').textContent())?.trim(), `$ ${COMMAND}`);
        await waitForTestIdText(p, 'turn-status', 'running');
      }
      assert.equal(existsSync(ranFile), false, 'the command waits');

      // node-b dies while the request waits.
      const killedAt = Date.now();
      await killNode(nodeB);
      step('node-b killed');

      // A survivor owns the chat...
      const newOwner = await waitFor(
        async () => {
          const owner = await ownerOf(nodeA, chatId);
          return owner === 'node-a' || owner === 'node-c' ? owner : '';
        },
        { what: 'a survivor to own the chat', timeoutMs: DEADLINE_MS },
      );
      step(`${newOwner} owns the chat`);
      t.diagnostic(`${newOwner} owned the chat ${Date.now() - killedAt} ms after node-b was killed`);

      // ...and page A, still on node-a, is re-pointed to its session: a fresh snapshot (a new
      // epoch, the turn resumed), then the resumed turn's request with the same id, and the
      // card (with that id) shows again.
      const after = await waitFor(
        () => {
          const i = frames.findIndex(
            (r) => r.page === 'A' && r.at >= killedAt && r.frame.type === 'snapshot' && r.frame.epoch !== firstEpoch,
          );
          return i >= 0 ? i + 1 : 0;
        },
        { what: 'a snapshot of a new epoch in page A after the kill', timeoutMs: DEADLINE_MS },
      );
      const resnapshot = frames[after - 1]?.frame;
      step(`page A got a snapshot of epoch ${resnapshot.epoch} (turn ${JSON.stringify(resnapshot.turn)})`);
      // The request comes in the snapshot when the resumed turn asked before page A was
      // re-pointed, else as a live frame after it.
      await waitFor(
        () =>
          (resnapshot.turn?.approvals ?? []).some((/** @type {{id: string}} */ a) => a.id === approvalId) ||
          frames
            .slice(after)
            .some((r) => r.page === 'A' && r.frame.type === 'approval_request' && r.frame.id === approvalId),
        { what: 'the resumed turn to ask again in page A, with the same id', timeoutMs: DEADLINE_MS },
      );
      step('page A got the approval_request again');
      await card(pageA).waitFor({ timeout: DEADLINE_MS });
      assert.equal(await card(pageA).getAttribute('data-approval-id'), approvalId);
      await waitForTestIdText(pageA, 'turn-status', 'running');
      assert.equal(await pageA.getByTestId('connection-status').count(), 0, 'page A never lost its node');

      // Page B lost its node: it says so, and is reopened on node-c, where the card shows again.
      await pageB.getByTestId('connection-status').waitFor({ timeout: DEADLINE_MS });
      assert.match(await testIdText(pageB, 'connection-status'), /^Reconnecting/);
      await openChat(pageB, nodeC, chatId, TITLE);
      await card(pageB).waitFor({ timeout: DEADLINE_MS });
      assert.equal(await card(pageB).getAttribute('data-approval-id'), approvalId);
      await waitForTestIdText(pageB, 'turn-status', 'running');
      step('page B reopened on node-c shows the card');
      await screenshot(pageB, t, 'approval-cluster-card');

      // The request is the one asked before the kill, and the command has not run.
      const pending = (await getJson(nodeC, `/api/chats/${encodeURIComponent(chatId)}/approvals`)).items;
      assert.deepEqual(
        pending.map((/** @type {{id: string}} */ a) => a.id),
        [approvalId],
      );
      assert.equal(existsSync(ranFile), false, 'the command still waits');

      // Allow in page B (node-c): the card goes in both pages, the turn completes.
      await card(pageB).getByRole('button', { name: 'Allow', exact: true }).click();
      step('Allow clicked in page B');
      for (const p of [pageB, pageA]) {
        await waitFor(async () => (await card(p).count()) === 0, { what: 'the card to go', timeoutMs: DEADLINE_MS });
        await waitForTestIdText(p, 'turn-status', 'completed', { timeoutMs: DEADLINE_MS });
        assert.equal(await command(p).count(), 1, 'one command');
        assert.equal(await command(p).getAttribute('data-outcome'), 'ok');
        await p.locator('[data-testid="message-assistant"]', { hasText: 'Finished.' }).waitFor({ timeout: DEADLINE_MS });
      }
      step('the turn completed in both pages');
      assert.ok(
        frames.some((r) => r.page === 'A' && r.frame.type === 'approval_resolved' && r.frame.id === approvalId),
        'page A got approval_resolved',
      );

      // Once: the file, the stored tool result, and a second answer refused.
      assert.equal(await readFile(ranFile, 'utf8'), 'ran\n', 'the command ran exactly once');
      const chat = await getJson(nodeA, `/api/chats/${encodeURIComponent(chatId)}`);
      const results = chat.messages.filter((/** @type {{role: string}} */ m) => m.role === 'tool');
      assert.equal(results.length, 1, JSON.stringify(chat.messages));
      assert.equal(results[0].outcome, 'ok');
      assert.equal(chat.pending_approvals, 0);
      const again = await fetch(`${nodeA.url}/api/chats/${encodeURIComponent(chatId)}/approvals/${encodeURIComponent(approvalId)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ decision: 'deny' }),
      });
      assert.equal(Math.floor(again.status / 100), 4, `a second answer was taken (${again.status})`);
      assert.notEqual(await ownerOf(nodeA, chatId), 'node-b');

      await closePage(pageB, problemsB);
      await closePage(pageA, problemsA);
    } catch (err) {
      const report = await mkdtemp(path.join(os.tmpdir(), 'boocode-e2e-approval-cluster-'));
      const file = path.join(report, 'report.txt');
      const lines = [
        `error: ${err instanceof Error ? err.stack : String(err)}`,
        '',
        '== steps',
        ...steps,
        '',
        '== frames (page, time, url, frame)',
        ...frames.map((r) => `${r.page} ${new Date(r.at).toISOString()} ${r.url} ${JSON.stringify(r.frame)}`),
      ];
      for (const node of nodes) {
        lines.push('', `== ${node.args[node.args.indexOf('--node-id') + 1]} (${node.url}) stderr tail`, node.stderrTail());
      }
      await writeFile(file, lines.join('\n') + '\n');
      t.diagnostic(`frames and node logs: ${file}`);
      throw err;
    }
  });
});
