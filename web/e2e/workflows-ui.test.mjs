// The Workflows panel and the composer's `/name` command against a real node with the scripted
// model (e2e/fixtures/workflows-script.json: a "Quick:" agent answers at once, a "Slow:" one
// streams a long report). The workspace holds a project workflow, ask-two, that asks both in one
// parallel() under phase Ask, logs under phase Join, and returns both answers.
//
// From the panel: the catalog lists ask-two (project) beside the built-in ones with their
// descriptions; Start with key=value args shows the run's live tree; cancelling the slow step
// makes its agent() give null, and the run completes with the quick answer, the log line and the
// step's transcript (its own page, actor kind workflow_step in its traces).
// From the chat: `/ask` offers ask-two with its description, Tab takes it, Enter starts it (its
// quick step, asked as in the first test, comes from the step cache, marked cached), and Cancel
// run ends it cancelled; an unknown name is refused in the composer.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { closePage, createChat, fixture, nodeSuite, openChat, screenshot, waitFor, watchPage } from './harness.mjs';

const ASK_TWO = `export const meta = {
  name: 'ask-two',
  description: 'Asks a quick and a slow agent about a topic and joins their answers',
  phases: [{ title: 'Ask' }, { title: 'Join' }],
  args: { topic: 'what to ask about' },
};
phase('Ask');
const [quick, slow] = await parallel([
  () => agent(\`Quick: answer about \${args.topic}.\`, { label: 'quick' }),
  () => agent(\`Slow: write a long report about \${args.topic}.\`, { label: 'slow' }),
]);
phase('Join');
log(\`quick said \${quick}; slow was \${slow === null ? 'stopped' : 'done'}\`);
return { quick, slow };
`;

/** Puts ask-two in the workspace's project workflows. @param {string} workspace */
async function addAskTwo(workspace) {
  await mkdir(path.join(workspace, '.boocode', 'workflows'), { recursive: true });
  await writeFile(path.join(workspace, '.boocode', 'workflows', 'ask-two.js'), ASK_TWO);
}

/** @param {import('playwright-core').Page} page @param {string} label */
function step(page, label) {
  return page.locator('[data-testid="workflow-step"]', { hasText: label });
}

/** @param {import('playwright-core').Locator} locator @param {string} state @param {string} what */
async function waitForState(locator, state, what) {
  await waitFor(async () => (await locator.getAttribute('data-state')) === state, { what, timeoutMs: 30_000 });
}

describe('workflows panel', { timeout: 240_000 }, () => {
  const suite = nodeSuite({ script: fixture('workflows-script.json'), workspace: true });

  it('starts a workflow from the panel, shows its live tree, and cancels a step', async (t) => {
    const { node, browser } = suite.started();
    await addAskTwo(suite.workspace);
    const chatId = await createChat(node, { workspace: suite.workspace, title: 'Ask around' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, node, chatId, 'Ask around');
    await page.getByTestId('workflows-toggle').click();
    await page.getByTestId('workflows-panel').waitFor();

    const item = page.locator('[data-testid="workflow-item"][data-name="ask-two"]');
    await item.waitFor({ timeout: 10_000 });
    assert.equal(await item.getAttribute('data-origin'), 'project');
    assert.match((await item.textContent()) ?? '', /quick and a slow agent/);
    for (const builtin of ['deep-research', 'multi-review', 'fix-failing-tests']) {
      assert.equal(await page.locator(`[data-testid="workflow-item"][data-name="${builtin}"]`).count(), 1, builtin);
    }

    await item.getByRole('button', { name: /ask-two/ }).click();
    await item.getByTestId('workflow-args').fill('topic=tea');
    await item.getByTestId('workflow-start').click();

    const run = page.getByTestId('workflow-run');
    await run.waitFor({ timeout: 10_000 });
    const quick = step(page, 'quick');
    const slow = step(page, 'slow');
    await waitForState(quick, 'completed', 'the quick step to complete');
    await waitForState(slow, 'running', 'the slow step to run');
    assert.equal(await run.getAttribute('data-state'), 'running');
    assert.match((await quick.textContent()) ?? '', /Quick answer: 42/);
    assert.equal(await page.locator('[data-testid="workflow-phase"][data-title="Ask"]').getByTestId('workflow-step').count(), 2);
    await waitFor(async () => /Workflows \(1\)/.test((await page.getByTestId('workflows-toggle').textContent()) ?? ''), {
      what: 'the toggle to count the running run',
      timeoutMs: 10_000,
    });
    await screenshot(page, t, 'workflows-panel');

    await slow.getByTestId('workflow-step-cancel').click();
    await waitForState(slow, 'cancelled', 'the slow step to end cancelled');
    await waitForState(run, 'completed', 'the run to complete without the slow answer');
    const result = JSON.parse((await page.getByTestId('workflow-run-result').textContent()) ?? '');
    assert.deepEqual(result, { quick: 'Quick answer: 42.', slow: null });
    const join = page.locator('[data-testid="workflow-phase"][data-title="Join"]');
    assert.match((await join.getByTestId('workflow-log').textContent()) ?? '', /quick said Quick answer: 42\.; slow was stopped/);
    assert.equal(await page.getByTestId('workflow-run-cancel').count(), 0, 'an ended run has no Cancel');

    // The quick step's own transcript and traces.
    const stepId = await quick.getAttribute('data-step-id');
    assert.ok(stepId?.startsWith('s_'));
    await quick.getByTestId('workflow-step-open').click();
    await page.waitForURL(new RegExp(`/chats/${stepId}$`));
    await page.locator('[data-testid="message-assistant"]', { hasText: 'Quick answer: 42.' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('composer-input').isDisabled(), true, 'a step takes no messages');
    assert.equal(await page.getByTestId('workflows-toggle').count(), 0);
    const traces = await (await fetch(`${node.url}/api/chats/${stepId}/traces`)).json();
    assert.ok(traces.items.length >= 1, 'its model call');
    for (const tr of traces.items) assert.equal(tr.actor_kind, 'workflow_step');
    await closePage(page, problems);
  });

  it('starts a workflow with /name from the chat and cancels the run', async (t) => {
    const { node, browser } = suite.started();
    await addAskTwo(suite.workspace);
    const chatId = await createChat(node, { workspace: suite.workspace, title: 'Slash' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, node, chatId, 'Slash');

    const input = page.getByTestId('composer-input');
    await input.fill('/ask');
    const option = page.locator('[data-testid="slash-option"][data-name="ask-two"]');
    await option.waitFor({ timeout: 10_000 }); // the catalog has loaded
    assert.match((await option.textContent()) ?? '', /quick and a slow agent/);
    await screenshot(page, t, 'workflows-slash');
    await input.fill('/nope now');
    await input.press('Enter');
    await page.getByTestId('composer-error').waitFor({ timeout: 10_000 });
    assert.match((await page.getByTestId('composer-error').textContent()) ?? '', /No workflow named \/nope/);
    assert.equal(await page.getByTestId('message-user').count(), 0, 'nothing was sent');

    await input.fill('/ask');
    await option.waitFor({ timeout: 10_000 });
    await input.press('Tab');
    assert.equal(await input.inputValue(), '/ask-two ');
    assert.equal(await page.getByTestId('slash-menu').count(), 0, 'the menu closes once the name is taken');
    await input.pressSequentially('tea');
    await input.press('Enter');

    // The quick step asked what the first test's did: it comes from the step cache.
    await page.getByTestId('workflows-panel').waitFor({ timeout: 10_000 });
    const run = page.getByTestId('workflow-run');
    await waitForState(step(page, 'quick'), 'completed', 'the quick step to complete');
    assert.match((await step(page, 'quick').textContent()) ?? '', /Quick answer/);
    assert.equal(await step(page, 'quick').getAttribute('data-cached'), 'true');
    assert.match((await step(page, 'quick').getByTestId('workflow-step-cached').textContent()) ?? '', /^cached/);
    assert.match((await step(page, 'slow').getByTestId('workflow-step-cache-miss').textContent()) ?? '', /not cached: first run/);
    assert.equal(await input.inputValue(), '', 'the command was taken');
    const runId = await run.getAttribute('data-run-id');
    const shown = await (await fetch(`${node.url}/api/workflow-runs/${runId}`)).json();
    assert.deepEqual(shown.args, { topic: 'tea' }, 'free text is the first documented arg');
    assert.equal(shown.cache_hits, 1);

    await page.getByTestId('workflow-run-cancel').click();
    await waitForState(run, 'cancelled', 'the run to end cancelled');
    await waitForState(step(page, 'slow'), 'cancelled', 'its running step to stop');
    await waitForState(page.locator(`[data-testid="workflow-run-row"][data-run-id="${runId}"]`), 'cancelled', 'its row to show cancelled');

    // The run is one of the chat's tasks; its row there opens it in the Workflows panel.
    await page.getByTestId('tasks-toggle').click();
    const row = page.locator(`[data-testid="task"][data-task-id="${runId}"]`);
    await waitForState(row, 'cancelled', 'the run to show in the Tasks pane');
    await row.getByTestId('task-open-run').click();
    await page.getByTestId('workflows-panel').waitFor();
    assert.equal(await page.getByTestId('workflow-run').getAttribute('data-run-id'), runId);
    await closePage(page, problems);
  });
});
