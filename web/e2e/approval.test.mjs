// Approvals against a real node with the scripted model (e2e/fixtures/approval-script.json: a
// turn that runs `sh -c "echo ran >> ran.txt"`, then one that writes notes.txt), in chats whose
// permission mode is `ask`:
//
// (a) two pages show the command's approval card (the second from its snapshot) and the chat
//     list's count; Allow in the second page removes the card in both, the command runs once
//     and the turn ends; the next turn's write_file card shows the lines it adds, and Always
//     allow writes the file and adds a rule the header shows;
// (b) Deny with a note: the card goes, the call ends `denied` with the note, nothing is written;
//     the header's selector and network toggle then change the chat's stored permissions.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  closePage,
  compose,
  createChat,
  fixture,
  nodeSuite,
  openChat,
  openedChatId,
  screenshot,
  tempWorkspace,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

const COMMAND = "sh -c 'echo ran >> ran.txt'";

/** @param {import('playwright-core').Page} page */
function card(page) {
  return page.getByRole('group', { name: 'Approval: run_command' });
}

/** @param {import('playwright-core').Page} page */
function command(page) {
  return page.locator('[data-testid="tool-call"][data-tool-name="run_command"]');
}

/** The chat list's count of approvals waiting for the chat. @param {import('playwright-core').Page} page @param {string} chatId */
function listBadge(page, chatId) {
  return page.locator(`[data-testid="chat-list-item"][data-chat-id="${chatId}"] [data-testid="chat-pending-approvals"]`);
}

/** GET /api/chats/:id. @param {{url: string}} node @param {string} chatId */
async function storedChat(node, chatId) {
  const res = await fetch(`${node.url}/api/chats/${encodeURIComponent(chatId)}`);
  assert.equal(res.status, 200);
  return /** @type {{permission_mode: string, network: boolean, pending_approvals: number}} */ (await res.json());
}

describe('approvals', { timeout: 240_000 }, () => {
  const suite = nodeSuite({ script: fixture('approval-script.json'), workspace: true });

  it('shows the approval in two pages; Allow in one runs the command once and removes both cards', async (t) => {
    const { node, browser } = suite.started();
    const ranFile = path.join(suite.workspace, 'ran.txt');
    const page = await browser.newPage();
    const problems = watchPage(page);

    // A new chat that asks, chosen in the form.
    await page.goto(node.url + '/');
    await waitForTestIdText(page, 'ws-status', 'connected');
    await page.getByTestId('new-chat-workspace').fill(suite.workspace);
    await page.getByTestId('new-chat-title').fill('Approve elsewhere');
    await page.getByTestId('new-chat-permission-mode').selectOption('ask');
    await page.getByTestId('new-chat-submit').click();
    await page.waitForURL(/\/chats\/[^/]+$/, { timeout: 15_000 });
    const chatId = openedChatId(page);
    await waitForTestIdText(page, 'chat-title', 'Approve elsewhere');
    assert.equal(await page.getByTestId('permission-mode').inputValue(), 'ask');
    assert.equal((await storedChat(node, chatId)).permission_mode, 'ask');

    await compose(page, 'Record that it ran.');
    await card(page).waitFor({ timeout: 30_000 });
    assert.equal((await card(page).getByTestId('approval-command').textContent())?.trim(), `$ ${COMMAND}`);
    assert.match((await card(page).getByTestId('approval-reason').textContent()) ?? '', /permission mode is ask/);
    await waitFor(async () => (await command(page).getAttribute('data-outcome')) === 'awaiting', {
      what: 'the command to show as awaiting approval',
    });
    await waitForTestIdText(page, 'turn-status', 'running');
    await listBadge(page, chatId).waitFor({ timeout: 5_000 });
    assert.equal(await listBadge(page, chatId).getAttribute('aria-label'), '1 approval waiting');
    assert.equal(existsSync(ranFile), false, 'the command waits');

    // A second page opens the chat: the card comes with the snapshot, the count with the list.
    const other = await browser.newPage();
    const otherProblems = watchPage(other);
    await openChat(other, node, chatId, 'Approve elsewhere');
    await card(other).waitFor({ timeout: 10_000 });
    await other.getByRole('img', { name: '1 approval waiting' }).waitFor({ timeout: 10_000 });
    assert.equal((await storedChat(node, chatId)).pending_approvals, 1);
    await screenshot(other, t, 'approval-card');

    // Allow in the second page: the card goes in both, the command runs, the turn ends.
    await card(other).getByRole('button', { name: 'Allow', exact: true }).click();
    for (const p of [other, page]) {
      await waitFor(async () => (await card(p).count()) === 0, { what: 'the card to go', timeoutMs: 15_000 });
      await waitForTestIdText(p, 'turn-status', 'completed', { timeoutMs: 30_000 });
      assert.equal(await command(p).getAttribute('data-outcome'), 'ok');
      assert.equal(await listBadge(p, chatId).count(), 0, 'no approvals waiting');
      await p.locator('[data-testid="message-assistant"]', { hasText: 'Finished.' }).waitFor({ timeout: 10_000 });
    }
    assert.equal(await readFile(ranFile, 'utf8'), 'ran\n', 'the command ran once');
    assert.equal((await storedChat(node, chatId)).pending_approvals, 0);

    // The next turn writes a file: its card shows the lines it adds. Always allow runs it and
    // adds a rule to the chat, which the header shows.
    await compose(page, 'Write the notes.');
    const write = page.getByRole('group', { name: 'Approval: write_file' });
    await write.waitFor({ timeout: 30_000 });
    await other.getByRole('group', { name: 'Approval: write_file' }).waitFor({ timeout: 10_000 });
    assert.equal((await write.getByTestId('approval-path').textContent())?.trim(), 'notes.txt');
    assert.deepEqual(await write.locator('.diff-add').allTextContents(), ['+ first line\n', '+ second line\n']);
    assert.equal(await page.getByTestId('allow-rules').count(), 0);
    await write.getByRole('button', { name: 'Always allow', exact: true }).click();
    for (const p of [page, other]) {
      await waitFor(async () => (await p.getByRole('group', { name: 'Approval: write_file' }).count()) === 0, {
        what: 'the write card to go',
        timeoutMs: 15_000,
      });
      await p.locator('[data-testid="message-assistant"]', { hasText: 'Wrote the notes.' }).waitFor({ timeout: 30_000 });
      await waitForTestIdText(p, 'allow-rules', '1 rule');
    }
    assert.equal(await readFile(path.join(suite.workspace, 'notes.txt'), 'utf8'), 'first line\nsecond line\n');
    assert.equal(await page.locator('[data-testid="tool-call"][data-tool-name="write_file"]').getAttribute('data-outcome'), 'ok');

    await closePage(other, otherProblems);
    await closePage(page, problems);
  });

  it('Deny with a note: the call ends denied and writes nothing; the header changes the permissions', async () => {
    const { node, browser } = suite.started();
    const workspace = await tempWorkspace();
    try {
      const page = await browser.newPage();
      const problems = watchPage(page);
      const chatId = await createChat(node, { workspace, title: 'Deny it', permission_mode: 'ask' });
      await openChat(page, node, chatId, 'Deny it');

      await compose(page, 'Record that it ran.');
      await card(page).waitFor({ timeout: 30_000 });
      await card(page).getByLabel('Note').fill('not now');
      await card(page).getByRole('button', { name: 'Deny', exact: true }).click();
      await waitFor(async () => (await card(page).count()) === 0, { what: 'the card to go', timeoutMs: 15_000 });
      await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: 30_000 });
      assert.equal(await command(page).getAttribute('data-outcome'), 'denied');
      await command(page).locator('summary').click();
      const output = (await command(page).getByTestId('tool-output').textContent()) ?? '';
      assert.match(output, /denied/);
      assert.match(output, /not now/);
      assert.equal(existsSync(path.join(workspace, 'ran.txt')), false, 'nothing was written');

      // The header: the stored mode, changed with PATCH; network on.
      const mode = page.getByTestId('permission-mode');
      assert.equal(await mode.inputValue(), 'ask');
      await mode.selectOption('allow');
      await waitFor(async () => (await storedChat(node, chatId)).permission_mode === 'allow', { what: 'the mode to be stored' });
      await waitFor(async () => (await mode.isEnabled()) && (await mode.inputValue()) === 'allow', { what: 'the header to show it' });
      const network = page.getByTestId('network-toggle');
      assert.equal(await network.isChecked(), false);
      await network.click();
      await waitFor(async () => (await storedChat(node, chatId)).network === true, { what: 'network to be stored' });
      await page.reload();
      await waitForTestIdText(page, 'chat-title', 'Deny it');
      await waitFor(async () => (await page.getByTestId('permission-mode').inputValue()) === 'allow', { what: 'the stored mode after a reload' });
      assert.equal(await page.getByTestId('network-toggle').isChecked(), true);
      assert.equal(await page.getByTestId('permission-error').count(), 0);
      await closePage(page, problems);
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });
});
