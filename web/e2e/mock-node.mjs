// Mocks of the node's chat API and /ws for e2e tests that drive the UI against the documented
// contract (docs/api.md, docs/protocol.md), in the browser: Playwright route + routeWebSocket.
//
//   const chat = mockChat('c_1', 'A chat');
//   await routeChat(page, chat);                       // GET /api/chats and /api/chats/c_1
//   const ws = await mockSocket(page, chat.id, (frame, socket) => socket.send(snapshotFrame({ chat_id: frame.chat_id })));
//   ...
//   ws.send({ type: 'turn_start', turn: 1, user_message_ids: [] });   // the next seq
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';

/** A turn's tokens, as the examples in docs/protocol.md give them. */
export const USAGE = { prompt: 1834, cache_hit: 1536, cache_miss: 298, cache_write: 0, completion: 142, reasoning: 0 };
/** No tokens yet. */
export const ZERO_USAGE = { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 };

/**
 * A chat as GET /api/chats lists it: idle, in /home/me/project.
 * @param {string} id
 * @param {string} [title]
 */
export function mockChat(id, title = `Chat ${id}`) {
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

/**
 * Answers a routed request with a JSON body.
 * @param {import('playwright-core').Route} route
 * @param {unknown} body
 * @param {number} [status]
 */
export function fulfillJson(route, body, status = 200) {
  return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
}

/**
 * Mocks GET /api/chats (a list of `chat`) and GET /api/chats/:id for it: `detail()`, asked
 * at each request, gives the body (by default the chat with no messages).
 * @param {import('playwright-core').Page} page
 * @param {{id: string}} chat
 * @param {() => unknown} [detail]
 */
export async function routeChat(page, chat, detail = () => ({ ...chat, messages: [] })) {
  await page.route('**/api/chats', (route) => fulfillJson(route, { items: [chat] }));
  await page.route(`**/api/chats/${chat.id}`, (route) => fulfillJson(route, detail()));
}

/**
 * A full snapshot frame (JSON): idle at seq 0 of epoch 1, no messages, no turn, no tokens,
 * unless `fields` say otherwise.
 * @param {Record<string, unknown>} fields
 */
export function snapshotFrame(fields) {
  return JSON.stringify({
    type: 'snapshot',
    seq: 0,
    epoch: 1,
    status: 'idle',
    resumed: false,
    messages: [],
    turn: null,
    usage: ZERO_USAGE,
    ...fields,
  });
}

/**
 * @typedef {object} MockSocket
 * @property {import('playwright-core').WebSocketRoute[]} sockets   every socket the page opened, newest last
 * @property {Array<Record<string, any>>} fromClient                 every frame the page sent
 * @property {number} seq                                            the seq of the last chat frame sent
 * @property {() => import('playwright-core').WebSocketRoute} current  the newest socket
 * @property {(fields: Record<string, unknown>, skip?: number) => void} send
 *   sends a frame of the chat on the newest socket with the next seq (after skipping `skip` numbers)
 * @property {(pred: (f: Record<string, any>) => boolean, what?: string) => Promise<Record<string, any>>} clientFrame
 *   waits for a frame from the page that `pred` accepts
 */

/**
 * Mocks /ws: each socket the page opens says hello and records the frames the page sends; a
 * subscribe is answered by `onSubscribe` (by default, not at all).
 * @param {import('playwright-core').Page} page
 * @param {string} chatId   the chat `send` sends frames of
 * @param {(frame: Record<string, any>, ws: import('playwright-core').WebSocketRoute) => void} [onSubscribe]
 * @returns {Promise<MockSocket>}
 */
export async function mockSocket(page, chatId, onSubscribe) {
  /** @type {MockSocket} */
  const mock = {
    sockets: [],
    fromClient: [],
    seq: 0,
    current() {
      const ws = mock.sockets[mock.sockets.length - 1];
      assert.ok(ws, 'no WebSocket yet');
      return ws;
    },
    send(fields, skip = 0) {
      const ws = mock.current();
      mock.seq += 1 + skip;
      ws.send(JSON.stringify({ chat_id: chatId, seq: mock.seq, ...fields }));
    },
    clientFrame(pred, what = 'a client frame') {
      // waitFor resolves with a frame only: `find` is undefined until one comes.
      return /** @type {Promise<Record<string, any>>} */ (waitFor(() => mock.fromClient.find(pred), { what, timeoutMs: 10_000 }));
    },
  };
  await page.routeWebSocket('**/ws', (ws) => {
    mock.sockets.push(ws);
    ws.send(JSON.stringify({ type: 'hello', node_id: 'node-mock', version: '0.0.0' }));
    ws.onMessage((data) => {
      const frame = JSON.parse(String(data));
      mock.fromClient.push(frame);
      if (frame.type === 'subscribe') onSubscribe?.(frame, ws);
    });
  });
  return mock;
}
