// Image attachments against real nodes: a cluster of two (startCluster: node-a with its embedded
// PostgreSQL, node-b on it) whose model is a fake OpenAI-compatible server written here, which
// streams its answers (SSE, as tests/support/fake_model_server.cpp does) and records every
// request body.
//
// (a) A PNG pasted into the composer becomes a chip, uploads, and goes with the text: the model
//     receives it as an image_url part (a data:image/png;base64 URL of the very bytes pasted);
//     the bubble shows its thumbnail, which opens the original in a dialog (Esc closes it); the
//     thumbnail is still there after a reload; the original is served with nosniff, by node-a
//     and by node-b (a page on node-b shows it too).
// (b) A text file named .png, picked with the attach button, shows the node's refusal on its
//     chip and nothing is sent; 11 images dropped on the transcript make 10 chips and a notice;
//     the same image again is not attached twice; images alone (no text) can be sent.
// (c) The image the model opens with view_image shows with its tool call, also after a reload.
// (d) A page on node-a shows the images of a message live when node-b owns the chat.
//
// The chats of (a) to (c) are owned by node-a (placement: chatOwnedBy), the one of (d) by node-b.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import {
  CHAT_VIEWPORT,
  closePage,
  createChat,
  launchBrowser,
  openChat,
  screenshot,
  sqlScalar,
  startCluster,
  stopCluster,
  tempWorkspace,
  waitFor,
  waitForTestIdText,
  watchPage,
} from './harness.mjs';

/** Every wait on the node and the model has this deadline. */
const DEADLINE_MS = 30_000;
/** What the fake model says when it is not asked to open an image. */
const ANSWER = 'I can see the picture.';
/** A user message with this asks the fake model to call view_image on shot.png. */
const OPEN_IT = 'Please open shot.png';
const AFTER_TOOL = 'The screenshot shows a square.';

// ---------------------------------------------------------------------------------------
// Images

/**
 * A PNG of `width` x `height` pixels of one colour (8-bit RGB), encoded here.
 * @param {number} width @param {number} height @param {[number, number, number]} rgb
 */
function png(width, height, [r, g, b]) {
  const row = Buffer.alloc(1 + width * 3); // filter byte 0, then the pixels
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  /** @param {string} type @param {Buffer} data */
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // depth 8, RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** @param {Buffer} bytes */
function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Pastes files into the composer as a clipboard paste does (a ClipboardEvent whose DataTransfer
 * holds them); returns whether the page took the paste (preventDefault).
 * @param {import('playwright-core').Page} page
 * @param {{name: string, type: string, base64: string}[]} files
 */
function paste(page, files) {
  return page.evaluate((list) => {
    const data = new DataTransfer();
    for (const f of list) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const input = /** @type {HTMLTextAreaElement} */ (document.querySelector('[data-testid="composer-input"]'));
    input.focus();
    const ev = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    input.dispatchEvent(ev);
    return ev.defaultPrevented;
  }, files);
}

/**
 * Drops files on the transcript as a drag from the desktop does (dragenter, dragover, drop).
 * @param {import('playwright-core').Page} page
 * @param {{name: string, type: string, base64: string}[]} files
 */
function drop(page, files) {
  return page.evaluate((list) => {
    const data = new DataTransfer();
    for (const f of list) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const target = /** @type {HTMLElement} */ (document.querySelector('[data-testid="transcript"]'));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }
  }, files);
}

/** @param {string} name @param {Buffer} bytes */
function pngFile(name, bytes) {
  return { name, type: 'image/png', base64: bytes.toString('base64') };
}

/**
 * Waits until the <img> has loaded an image (its natural width > 0) and returns that width.
 * @param {import('playwright-core').Locator} img
 * @param {string} what
 */
function loaded(img, what) {
  return waitFor(() => img.evaluate((el) => (/** @type {HTMLImageElement} */ (el).complete ? /** @type {HTMLImageElement} */ (el).naturalWidth : 0)), {
    timeoutMs: DEADLINE_MS,
    what,
  });
}

// ---------------------------------------------------------------------------------------
// The fake model

/**
 * @typedef {object} FakeModel
 * @property {string} baseUrl                     for --model-base-url
 * @property {any[]} requests                     every request body, parsed, in order
 * @property {() => Promise<void>} close
 */

/**
 * The SSE events of an answer: a text, or one tool call.
 * @param {{text?: string, tool?: {name: string, arguments: string}}} reply
 */
function sseEvents(reply) {
  /** @param {unknown} delta @param {string | null} finish */
  const event = (delta, finish) => ({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] });
  /** @type {object[]} */
  const out = [event({ role: 'assistant', content: '' }, null)];
  if (reply.text) for (const piece of reply.text.match(/.{1,8}/gs) ?? []) out.push(event({ content: piece }, null));
  if (reply.tool) {
    out.push(event({ tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: reply.tool.name, arguments: '' } }] }, null));
    out.push(event({ tool_calls: [{ index: 0, function: { arguments: reply.tool.arguments } }] }, null));
  }
  out.push(event({}, reply.tool ? 'tool_calls' : 'stop'));
  out.push({ id: 'chatcmpl-fake', choices: [], usage: { prompt_tokens: 50, completion_tokens: 8, total_tokens: 58 } });
  return out;
}

/** The text of a chat message's content (a string, or the text parts of an array). @param {any} content */
function textOf(content) {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.filter((p) => p?.type === 'text').map((p) => p.text).join('') : '';
}

/** The image URLs of a request's messages. @param {any} body */
function imageUrls(body) {
  return (body.messages ?? []).flatMap((/** @type {any} */ m) =>
    Array.isArray(m.content) ? m.content.filter((/** @type {any} */ p) => p?.type === 'image_url').map((/** @type {any} */ p) => p.image_url?.url) : [],
  );
}

/**
 * An OpenAI-compatible endpoint on 127.0.0.1:0 that streams its answers: a view_image call when
 * the last message is a user's asking to open shot.png (and no tool ran yet), else text.
 * @returns {Promise<FakeModel>}
 */
async function startFakeModel() {
  /** @type {any[]} */
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = /** @type {Buffer[]} */ ([]);
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests.push(body);
      /** @type {any[]} */
      const messages = body.messages ?? [];
      const last = messages.at(-1);
      // After the tool's result the node shows the image in a user message of its own.
      const reply = messages.some((m) => m.role === 'tool')
          ? { text: AFTER_TOOL }
          : last?.role === 'user' && textOf(last.content).includes(OPEN_IT)
            ? { tool: { name: 'view_image', arguments: JSON.stringify({ path: 'shot.png' }) } }
            : { text: ANSWER };
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (const event of sseEvents(reply)) res.write(`data: ${JSON.stringify(event)}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------

/**
 * Records the frames a page sends on its WebSockets, parsed.
 * @param {import('playwright-core').Page} page
 */
function sentFrames(page) {
  /** @type {any[]} */
  const frames = [];
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => frames.push(JSON.parse(String(payload)))));
  return frames;
}

/**
 * A new chat owned by `owner`: placement picks the node with the fewest chats, so chats are
 * created (through `db`, the first node) until one lands there.
 * @param {import('./harness.mjs').NodeHandle} db
 * @param {string} owner
 * @param {{workspace: string, title: string}} body
 */
async function chatOwnedBy(db, owner, body) {
  /** @type {string[]} */
  const placed = [];
  for (let i = 0; i < 6; i++) {
    const id = await createChat(db, body);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    const at = await sqlScalar(db, `SELECT node_id FROM actor_leases WHERE actor_id = '${id}'`);
    if (at === owner) return id;
    placed.push(at);
  }
  assert.fail(`no chat was placed on ${owner} (owners: ${placed.join(', ')})`);
}

/** GET a node's chat. @param {{url: string}} node @param {string} chatId */
async function chatOf(node, chatId) {
  const res = await fetch(`${node.url}/api/chats/${chatId}`);
  assert.equal(res.status, 200);
  return /** @type {any} */ (await res.json());
}

describe('image attachments', { timeout: 300_000 }, () => {
  /** @type {import('./harness.mjs').NodeHandle[]} */
  let nodes = [];
  /** @type {import('./harness.mjs').BrowserHandle | undefined} */
  let browser;
  /** @type {FakeModel | undefined} */
  let model;
  let workspace = '';

  before(async () => {
    workspace = await tempWorkspace();
    model = await startFakeModel();
    nodes = await startCluster(2, { extraArgs: ['--model-base-url', model.baseUrl, '--model', 'fake'] });
    browser = await launchBrowser({ viewport: CHAT_VIEWPORT });
  });

  after(async () => {
    try {
      await browser?.close();
      await stopCluster(nodes);
    } finally {
      await model?.close();
      if (workspace && process.env.BOOCODE_E2E_KEEP !== '1') await rm(workspace, { recursive: true, force: true });
    }
  });

  /** The cluster, the browser and the fake model, up. */
  function started() {
    const [nodeA, nodeB] = nodes;
    assert.ok(nodeA && nodeB && browser && model);
    return { nodeA, nodeB, browser, model };
  }

  it('sends a pasted PNG to the model, shows its thumbnail after a reload, and serves it from both nodes', async (t) => {
    const { nodeA, nodeB, browser, model } = started();
    const chatId = await chatOwnedBy(nodeA, 'node-a', { workspace, title: 'Pasted image' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, nodeA, chatId, 'Pasted image');

    // Paste: a chip with the preview, uploaded.
    const image = png(64, 40, [220, 40, 40]);
    assert.equal(await paste(page, [pngFile('pasted.png', image)]), true, 'the page takes a paste of an image');
    const chip = page.getByTestId('attachment-chip');
    await page.locator('[data-testid="attachment-chip"][data-state="ready"]').waitFor({ timeout: DEADLINE_MS });
    assert.equal(await chip.count(), 1);
    assert.equal(await loaded(chip.locator('img'), 'the chip preview'), 64);
    const attachmentId = await chip.getAttribute('data-attachment-id');
    assert.match(attachmentId ?? '', /^a_[0-9a-f]{16}$/);
    assert.equal(await page.getByTestId('composer-input').inputValue(), '', 'the paste put no text in');

    // Send it with text: the chips go; the model gets the image with the text.
    await page.getByTestId('composer-input').fill('What is in this picture?');
    await page.getByTestId('composer-send').click();
    await chip.waitFor({ state: 'detached', timeout: 5_000 });
    const request = await waitFor(() => model.requests.find((r) => imageUrls(r).length > 0), {
      timeoutMs: DEADLINE_MS,
      what: 'a model request with an image',
    });
    const user = request.messages.filter((/** @type {any} */ m) => m.role === 'user').at(-1);
    assert.ok(Array.isArray(user.content), 'the user message content is an array of parts');
    assert.equal(textOf(user.content), 'What is in this picture?');
    const [url] = imageUrls(request);
    assert.match(url, /^data:image\/png;base64,/);
    assert.equal(sha256(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64')), sha256(image), 'the bytes pasted');

    // The bubble: its thumbnail, sized before it loads; the answer.
    const bubble = page.locator(`[data-testid="message-user"][data-message-id]`, { hasText: 'What is in this picture?' });
    await bubble.waitFor({ timeout: DEADLINE_MS });
    const thumb = bubble.getByTestId('message-image');
    assert.equal(await thumb.getAttribute('data-attachment-id'), attachmentId);
    const img = thumb.locator('img');
    assert.equal(await img.getAttribute('src'), `/api/attachments/${attachmentId}/thumbnail`);
    assert.equal(await img.getAttribute('alt'), 'pasted.png');
    assert.deepEqual([await img.getAttribute('width'), await img.getAttribute('height')], ['64', '40']);
    assert.ok((await loaded(img, 'the thumbnail')) > 0);
    await page.locator('[data-testid="message-assistant"]', { hasText: ANSWER }).waitFor({ timeout: DEADLINE_MS });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: DEADLINE_MS });
    await screenshot(page, t, 'attachments-sent');

    // Enter on the thumbnail opens the original; Esc closes it and the focus goes back.
    await thumb.focus();
    await page.keyboard.press('Enter');
    const lightbox = page.getByTestId('image-lightbox');
    await lightbox.waitFor({ timeout: 5_000 });
    const original = lightbox.locator('img');
    assert.equal(await original.getAttribute('src'), `/api/attachments/${attachmentId}`);
    assert.equal(await loaded(original, 'the original in the dialog'), 64);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'image-lightbox-close');
    await screenshot(page, t, 'attachments-lightbox');
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'message-image');

    // The stored message carries it; a reload shows it again.
    const stored = await chatOf(nodeA, chatId);
    const message = stored.messages.find((/** @type {any} */ m) => m.role === 'user');
    assert.deepEqual(
      message.attachments.map((/** @type {any} */ a) => [a.id, a.name, a.media_type, a.width, a.height, a.sha256]),
      [[attachmentId, 'pasted.png', 'image/png', 64, 40, sha256(image)]],
    );
    await page.reload();
    await waitForTestIdText(page, 'chat-title', 'Pasted image');
    assert.ok((await loaded(page.getByTestId('message-image').locator('img'), 'the thumbnail after a reload')) > 0);

    // Served as it was uploaded, never sniffed, by both nodes.
    for (const node of [nodeA, nodeB]) {
      const res = await fetch(`${node.url}/api/attachments/${attachmentId}`);
      assert.equal(res.status, 200, node.url);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(image));
      const small = await fetch(`${node.url}/api/attachments/${attachmentId}/thumbnail`);
      assert.equal(small.status, 200);
      assert.equal(small.headers.get('content-type'), 'image/webp');
      assert.equal(small.headers.get('x-content-type-options'), 'nosniff');
      await small.arrayBuffer();
    }
    await closePage(page, problems);

    // A page on node-b shows it too.
    const other = await browser.newPage();
    const otherProblems = watchPage(other);
    await openChat(other, nodeB, chatId, 'Pasted image');
    assert.ok((await loaded(other.getByTestId('message-image').locator('img'), 'the thumbnail on node-b')) > 0);
    await closePage(other, otherProblems);
  });

  it("shows the node's refusal on a chip and sends nothing; caps images at 10; sends images alone", async (t) => {
    const { nodeA, browser, model } = started();
    const chatId = await chatOwnedBy(nodeA, 'node-a', { workspace, title: 'Refused image' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    const frames = sentFrames(page);
    await openChat(page, nodeA, chatId, 'Refused image');
    const requestsBefore = model.requests.length;

    // A text file named .png, picked with the attach button (its file input).
    await page.getByTestId('composer-attach').waitFor();
    await page.getByTestId('composer-file-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some notes\n') });
    const failed = page.locator('[data-testid="attachment-chip"][data-state="failed"]');
    await failed.waitFor({ timeout: DEADLINE_MS });
    const refusal = failed.getByTestId('attachment-error');
    assert.equal(await refusal.getAttribute('data-code'), 'unsupported_media_type');
    assert.match((await refusal.textContent()) ?? '', /not a PNG, JPEG, WebP or GIF image/);

    // Enter does not send it: the composer says why, and no frame or request goes out.
    await page.getByTestId('composer-input').fill('Here it is');
    await page.getByTestId('composer-input').press('Enter');
    await page.locator('[data-testid="composer-error"]', { hasText: 'could not be uploaded' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.getByTestId('message-user').count(), 0);
    assert.deepEqual(frames.filter((f) => f.type === 'user_message'), []);
    assert.equal((await chatOf(nodeA, chatId)).messages.length, 0);
    assert.equal(model.requests.length, requestsBefore);

    // × (from the keyboard) takes it out, and the error with it.
    await failed.getByTestId('attachment-remove').focus();
    await page.keyboard.press('Enter');
    await failed.waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await page.getByTestId('composer-error').count(), 0);
    await page.getByTestId('composer-input').fill('');

    // Eleven images dropped on the transcript: ten chips, and a notice about the eleventh.
    const images = Array.from({ length: 11 }, (_, i) => png(24 + i, 16, [20 * i, 120, 200]));
    await drop(page, images.map((bytes, i) => pngFile(`drop-${i}.png`, bytes)));
    await page.locator('[data-testid="composer-error"]', { hasText: 'at most 10 images: 1 was not added' }).waitFor({ timeout: 5_000 });
    const chips = page.getByTestId('attachment-chip');
    await waitFor(async () => (await page.locator('[data-testid="attachment-chip"][data-state="ready"]').count()) === 10, {
      timeoutMs: DEADLINE_MS,
      what: 'ten uploaded chips',
    });
    assert.equal(await chips.count(), 10);
    await screenshot(page, t, 'attachments-chips');

    // Eight go; the same image again is not attached twice.
    for (let i = 0; i < 8; i++) await chips.last().getByTestId('attachment-remove').click();
    assert.equal(await chips.count(), 2);
    await paste(page, [pngFile('again.png', /** @type {Buffer} */ (images[0]))]);
    await page.locator('[data-testid="composer-error"]', { hasText: 'again.png is attached already' }).waitFor({ timeout: DEADLINE_MS });
    assert.equal(await chips.count(), 2);

    // Images alone: Send is on without text.
    assert.equal(await page.getByTestId('composer-send').isEnabled(), true);
    await page.getByTestId('composer-send').click();
    await chips.first().waitFor({ state: 'detached', timeout: 5_000 });
    const sent = frames.filter((f) => f.type === 'user_message');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].text, '');
    assert.equal(sent[0].attachments.length, 2);
    const request = await waitFor(() => model.requests.slice(requestsBefore).find((r) => imageUrls(r).length > 0), {
      timeoutMs: DEADLINE_MS,
      what: 'the model request with the two images',
    });
    assert.deepEqual(
      imageUrls(request).map((/** @type {string} */ u) => sha256(Buffer.from(u.split(',')[1] ?? '', 'base64'))),
      [sha256(/** @type {Buffer} */ (images[0])), sha256(/** @type {Buffer} */ (images[1]))],
    );
    const bubble = page.locator('[data-testid="message-user"][data-message-id]');
    await bubble.waitFor({ timeout: DEADLINE_MS });
    assert.equal(await bubble.getByTestId('message-image').count(), 2);
    await page.locator('[data-testid="message-assistant"]', { hasText: ANSWER }).waitFor({ timeout: DEADLINE_MS });
    await closePage(page, problems);
  });

  it('shows the image the model opened with view_image with its tool call, also after a reload', async (t) => {
    const { nodeA, browser } = started();
    const dir = path.join(workspace, 'viewed');
    await mkdir(dir);
    const shot = png(48, 48, [30, 160, 60]);
    await writeFile(path.join(dir, 'shot.png'), shot);
    const chatId = await chatOwnedBy(nodeA, 'node-a', { workspace: dir, title: 'Viewed image' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, nodeA, chatId, 'Viewed image');

    await page.getByTestId('composer-input').fill(OPEN_IT);
    await page.getByTestId('composer-send').click();
    await page.locator('[data-testid="message-assistant"]', { hasText: AFTER_TOOL }).waitFor({ timeout: DEADLINE_MS });
    await waitForTestIdText(page, 'turn-status', 'completed', { timeoutMs: DEADLINE_MS });

    const call = page.locator('[data-testid="tool-call"][data-tool-name="view_image"]');
    assert.equal(await call.getAttribute('data-outcome'), 'ok');
    const images = page.locator('[data-testid="tool-images"]');
    assert.equal(await images.getAttribute('data-call-id'), await call.getAttribute('data-call-id'));
    const img = images.getByTestId('message-image').locator('img');
    assert.equal(await img.getAttribute('alt'), 'shot.png');
    assert.ok((await loaded(img, 'the viewed image')) > 0);
    await screenshot(page, t, 'attachments-view-image');

    await page.reload();
    await waitForTestIdText(page, 'chat-title', 'Viewed image');
    assert.ok((await loaded(page.locator('[data-testid="tool-images"] [data-testid="message-image"] img'), 'the viewed image after a reload')) > 0);
    await closePage(page, problems);
  });

  it('shows the images of a message live in a page on one node when another node owns the chat', async () => {
    const { nodeA, browser, model } = started();
    const chatId = await chatOwnedBy(nodeA, 'node-b', { workspace, title: 'Remote owner' });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await openChat(page, nodeA, chatId, 'Remote owner');

    const image = png(30, 20, [90, 90, 200]);
    await paste(page, [pngFile('remote.png', image)]);
    await page.locator('[data-testid="attachment-chip"][data-state="ready"]').waitFor({ timeout: DEADLINE_MS });
    await page.getByTestId('composer-input').fill('Owned elsewhere');
    await page.getByTestId('composer-send').click();
    await waitFor(() => model.requests.find((r) => imageUrls(r).some((/** @type {string} */ u) => u.endsWith(image.toString('base64')))), {
      timeoutMs: DEADLINE_MS,
      what: 'the model request with the image',
    });
    // The stored message, as the owner (node-b) relays it to this page on node-a, carries it.
    const bubble = page.locator('[data-testid="message-user"][data-message-id]', { hasText: 'Owned elsewhere' });
    await page.locator('[data-testid="message-assistant"]', { hasText: ANSWER }).waitFor({ timeout: DEADLINE_MS });
    assert.equal(await bubble.getByTestId('message-image').count(), 1, 'the live message frame carries the image');
    assert.ok((await loaded(bubble.getByTestId('message-image').locator('img'), 'the thumbnail')) > 0);
    await closePage(page, problems);
  });
});
