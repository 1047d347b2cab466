import { describe, expect, it, vi } from 'vitest';
import { ApiError, errorInfo } from './http';
import { ProtocolError, forgetNotedNewer, notedNewer } from './protocol/fields';
import { isChatFrame, parseServerFrame } from './protocol/frames';
import { parseChat, parseMessage } from './protocol/rest';
import { CHAT_STATUSES } from './protocol/states';
import {
  archiveChat,
  attachmentUrl,
  createChat,
  forkChat,
  getChat,
  getTimeline,
  listChats,
  restartChat,
  sendMessage,
  uploadAttachment,
} from './chat-api';
import { finishedTurn } from './test-fixtures';

const chat = {
  id: 'c_3f9c0a12b4de4a01',
  workspace: '/home/me/project',
  title: 'Fix the build',
  build_command: ['make', '-k'],
  created_at: '2026-11-24T06:10:00.123Z',
  archived: false,
  status: 'idle',
};

const userMsg = {
  id: 1,
  role: 'user',
  content: 'hi',
  turn: 1,
  client_id: 'm-1',
  created_at: '2026-11-24T06:10:01.000Z',
};

const assistantMsg = {
  id: 2,
  role: 'assistant',
  content: '',
  reasoning: 'think',
  tool_calls: [{ id: 'call_1', name: 'write_file', arguments: '{"path":"a.txt","content":"x"}' }],
  turn: 1,
  created_at: '2026-11-24T06:10:02.000Z',
};

const toolMsg = {
  id: 3,
  role: 'tool',
  content: 'wrote 1 byte',
  tool_call_id: 'call_1',
  tool_name: 'write_file',
  outcome: 'ok',
  exit_code: null,
  duration_ms: 3,
  turn: 1,
  created_at: '2026-11-24T06:10:02.100Z',
};

function respond(status: number, body: unknown) {
  return vi.fn<typeof fetch>(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));
}

describe('chat and message parsers', () => {
  it('accepts a chat, with build_command absent or null', () => {
    expect(parseChat(chat)).toEqual(chat);
    const { build_command: _omit, ...noBuild } = chat;
    expect(parseChat(noBuild).build_command).toBeNull();
    expect(parseChat({ ...chat, build_command: null }).build_command).toBeNull();
  });

  it.each([
    ['missing id', { ...chat, id: undefined }],
    ['numeric id', { ...chat, id: 7 }],
    ['a numeric status', { ...chat, status: 3 }],
    ['status null', { ...chat, status: null }],
    ['string archived', { ...chat, archived: 'no' }],
    ['bad build_command', { ...chat, build_command: 'make' }],
  ])('rejects a chat with %s', (_n, body) => {
    expect(() => parseChat(body)).toThrow(ProtocolError);
  });

  it('reads a chat without "status" as idle (the list and POST /api/chats send none)', () => {
    const { status: _omit, ...noStatus } = chat;
    expect(parseChat({ ...noStatus, turns: 0 })).toEqual({ ...chat, status: 'idle' });
  });

  it.each(CHAT_STATUSES)('accepts status %s', (status) => {
    expect(parseChat({ ...chat, status }).status).toBe(status);
  });

  it("keeps a newer node's status, role and outcome as they are, noting each once", () => {
    forgetNotedNewer();
    const spy = vi.spyOn(console, 'info').mockImplementation(() => {});
    expect(parseChat({ ...chat, status: 'sleeping' }).status).toBe('sleeping');
    expect(parseChat({ ...chat, status: 'sleeping' }).status).toBe('sleeping');
    expect(parseMessage({ ...userMsg, role: 'system' }).role).toBe('system');
    expect(parseMessage({ ...toolMsg, outcome: 'fine' }).outcome).toBe('fine');
    expect(notedNewer()).toEqual(['chat status sleeping', 'message role system', 'tool outcome fine']);
    expect(spy).toHaveBeenCalledTimes(3);
    spy.mockRestore();
  });

  it('accepts "turn": null on a user message whose turn has not started (as the node sends it)', () => {
    expect(parseMessage({ ...userMsg, turn: null }).turn).toBeNull();
    expect(() => parseMessage({ ...userMsg, turn: undefined })).toThrow(ProtocolError);
  });

  it('accepts user, assistant and tool messages', () => {
    expect(parseMessage(userMsg)).toEqual(userMsg);
    expect(parseMessage(assistantMsg)).toEqual(assistantMsg);
    expect(parseMessage(toolMsg)).toEqual(toolMsg);
  });

  it("reads a message's images, and leaves them out for a node without attachments", () => {
    const image = {
      id: 'a_5f0e3c9a7b1d2e44',
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      media_type: 'image/png',
      bytes: 183204,
      width: 1280,
      height: 800,
      name: '',
    };
    expect(parseMessage({ ...userMsg, attachments: [image] }).attachments).toEqual([image]);
    expect(parseMessage({ ...userMsg, attachments: [] }).attachments).toEqual([]);
    expect(parseMessage({ ...toolMsg, tool_name: 'view_image', attachments: [image] }).attachments).toEqual([image]);
    expect('attachments' in parseMessage(userMsg)).toBe(false);
    expect('attachments' in parseMessage({ ...userMsg, attachments: null })).toBe(false);
  });

  it('accepts the interrupted tool outcome', () => {
    expect(parseMessage({ ...toolMsg, outcome: 'interrupted' }).outcome).toBe('interrupted');
  });

  it('re-encodes tool call arguments sent as an object', () => {
    const m = parseMessage({ ...assistantMsg, tool_calls: [{ id: 'c', name: 'list_dir', arguments: { path: '.' } }] });
    expect(m.tool_calls?.[0]?.arguments).toBe('{"path":"."}');
  });

  it.each([
    ['a numeric role', { ...userMsg, role: 1 }],
    ['missing content', { ...userMsg, content: undefined }],
    ['fractional id', { ...userMsg, id: 1.5 }],
    ['tool without tool_call_id', { ...toolMsg, tool_call_id: undefined }],
    ['an empty outcome', { ...toolMsg, outcome: '' }],
    ['tool_calls not an array', { ...assistantMsg, tool_calls: {} }],
    ['attachments not an array', { ...userMsg, attachments: {} }],
    ['an attachment without an id', { ...userMsg, attachments: [{ sha256: 'ab', media_type: 'image/png', bytes: 1, width: 1, height: 1, name: '' }] }],
    ['an attachment of no pixels', { ...userMsg, attachments: [{ id: 'a_1', sha256: 'ab', media_type: 'image/png', bytes: 1, width: 0, height: 1, name: '' }] }],
  ])('rejects a message with %s', (_n, body) => {
    expect(() => parseMessage(body)).toThrow(ProtocolError);
  });
});

describe('server frame parser', () => {
  const base = { chat_id: 'c1', seq: 4 };
  const usage = { prompt: 100, cache_hit: 80, cache_miss: 20, cache_write: 0, completion: 10, reasoning: 2 };
  const good: Array<[string, Record<string, unknown>]> = [
    ['pong', { type: 'pong' }],
    ['connection error', { type: 'error', code: 'unknown_type', message: "unknown frame type 'dance'" }],
    ['connection error about a chat', { type: 'error', code: 'not_found', message: 'no chat', chat_id: 'c9' }],
    ['chat error', { type: 'error', code: 'model_error', message: 'HTTP 500', ...base }],
    ['resumed snapshot', { type: 'snapshot', epoch: 3, status: 'running', resumed: true, ...base }],
    [
      'full snapshot of an idle chat',
      { type: 'snapshot', epoch: 3, status: 'idle', resumed: false, messages: [userMsg], turn: null, usage, ...base },
    ],
    [
      'full snapshot mid-turn',
      {
        type: 'snapshot',
        epoch: 1,
        status: 'running',
        resumed: false,
        messages: [userMsg, assistantMsg, { ...userMsg, id: 4, turn: null }],
        turn: {
          number: 1,
          text: 'Hello, wor',
          reasoning: 'hmm',
          running_tools: [{ turn: 1, call_id: 'call_1', name: 'write_file', arguments: '{"path":"a.txt","content":"x"}' }],
        },
        usage,
        ...base,
      },
    ],
    ['session_failed', { type: 'session_failed', chat_id: 'c1', reason: 'failed', crashes: 5, error: 'storage failure' }],
    ['stopped session_failed', { type: 'session_failed', chat_id: 'c1', reason: 'stopped', crashes: 0, error: 'stopped by an operator' }],
    ['ack', { type: 'ack', client_id: 'm-1', message_id: 12, ...base }],
    ['message', { type: 'message', message: userMsg, ...base }],
    ['turn_start', { type: 'turn_start', turn: 2, user_message_ids: [5, 6], resumed: false, ...base }],
    ['resumed turn_start', { type: 'turn_start', turn: 2, user_message_ids: [], resumed: true, ...base }],
    ['assistant_delta', { type: 'assistant_delta', turn: 1, text: 'Hel', ...base }],
    ['empty assistant_delta', { type: 'assistant_delta', turn: 1, text: '', ...base }],
    ['reasoning_delta', { type: 'reasoning_delta', turn: 1, text: 'hmm', ...base }],
    ['tool_call', { type: 'tool_call', turn: 1, call_id: 'k', name: 'run_command', arguments: '{"argv":["ls"]}', ...base }],
    [
      'tool_result',
      { type: 'tool_result', turn: 1, call_id: 'k', name: 'run_command', outcome: 'ok', output: 'a\n', exit_code: 0, duration_ms: 12, ...base },
    ],
    [
      'interrupted tool_result',
      { type: 'tool_result', turn: 1, call_id: 'k', name: 'run_command', outcome: 'interrupted', output: '', exit_code: null, duration_ms: 0, ...base },
    ],
    ['turn_end', { type: 'turn_end', turn: 1, outcome: 'completed', usage, ...base }],
  ];

  it.each(good)('accepts %s', (_n, frame) => {
    expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it('reads a turn_start without user_message_ids or resumed (a resumed turn has none) as [] and false', () => {
    expect(parseServerFrame(JSON.stringify({ type: 'turn_start', turn: 1, ...base }))).toEqual({
      type: 'turn_start',
      turn: 1,
      user_message_ids: [],
      resumed: false,
      ...base,
    });
    expect(parseServerFrame(JSON.stringify({ type: 'turn_start', turn: 1, resumed: true, ...base }))).toMatchObject({
      user_message_ids: [],
      resumed: true,
    });
  });

  it('a full snapshot drops the extra fields of a resumed one, and a running tool takes the turn when it has none', () => {
    /** A full snapshot of a running turn 3 with `turn`'s extra fields. */
    const running = (turn: Record<string, unknown>) =>
      parseServerFrame(
        JSON.stringify({
          type: 'snapshot',
          epoch: 2,
          status: 'running',
          resumed: false,
          messages: [],
          turn: { number: 3, text: '', reasoning: '', ...turn },
          usage,
          ...base,
        }),
      );
    const f = running({ running_tools: [{ call_id: 'k', name: 'run_command', arguments: { argv: ['ls'] } }] });
    expect(f).toMatchObject({ turn: { running_tools: [{ turn: 3, call_id: 'k', arguments: '{"argv":["ls"]}' }] } });
    expect(f.type === 'snapshot' && !f.resumed && f.turn && 'resumed' in f.turn).toBe(false);
    const withResumed = running({ running_tools: [], resumed: true });
    expect(withResumed).toMatchObject({ turn: { resumed: true } });
    const r = parseServerFrame(JSON.stringify({ type: 'snapshot', epoch: 2, status: 'idle', resumed: true, messages: [], ...base }));
    expect(r).toEqual({ type: 'snapshot', epoch: 2, status: 'idle', resumed: true, ...base });
  });

  it('normalizes tool_call arguments given as an object', () => {
    const f = parseServerFrame(JSON.stringify({ type: 'tool_call', turn: 1, call_id: 'k', name: 'read_file', arguments: { path: 'a' }, ...base }));
    expect(f).toMatchObject({ arguments: '{"path":"a"}' });
  });

  it('keeps a failed turn_end error, as a string or {code, message}', () => {
    const s = parseServerFrame(JSON.stringify({ type: 'turn_end', turn: 2, outcome: 'error', usage, error: 'model down', ...base }));
    expect(s).toMatchObject({ error: { code: 'error', message: 'model down' } });
    const o = parseServerFrame(
      JSON.stringify({ type: 'turn_end', turn: 2, outcome: 'error', usage, error: { code: 'model_error', message: 'HTTP 502' }, ...base }),
    );
    expect(o).toMatchObject({ error: { code: 'model_error', message: 'HTTP 502' } });
  });

  it('treats a missing exit_code as null', () => {
    const f = parseServerFrame(
      JSON.stringify({ type: 'tool_result', turn: 1, call_id: 'k', name: 'read_file', outcome: 'error', output: 'no such file', duration_ms: 1, ...base }),
    );
    expect(f).toMatchObject({ exit_code: null });
  });

  it('tells chat frames from connection frames', () => {
    expect(isChatFrame(parseServerFrame(JSON.stringify({ type: 'turn_start', turn: 1, ...base })))).toBe(true);
    expect(isChatFrame(parseServerFrame(JSON.stringify({ type: 'error', code: 'x', message: 'y', chat_id: 'c1' })))).toBe(false);
    expect(isChatFrame(parseServerFrame(JSON.stringify({ type: 'error', code: 'x', message: 'y', ...base })))).toBe(true);
    expect(isChatFrame(parseServerFrame(JSON.stringify({ type: 'session_failed', chat_id: 'c1', crashes: 5, error: '' })))).toBe(false);
    expect(isChatFrame(parseServerFrame(JSON.stringify({ type: 'snapshot', epoch: 1, status: 'idle', resumed: true, ...base })))).toBe(true);
  });

  it.each([
    ['chat frame without chat_id', { type: 'turn_start', turn: 1, seq: 1 }],
    ['chat frame without seq', { type: 'turn_start', turn: 1, chat_id: 'c1' }],
    ['negative seq', { type: 'turn_start', turn: 1, chat_id: 'c1', seq: -1 }],
    ['string seq', { type: 'turn_start', turn: 1, chat_id: 'c1', seq: '3' }],
    ['delta without text', { type: 'assistant_delta', turn: 1, ...base }],
    ['snapshot with a numeric status', { type: 'snapshot', epoch: 1, status: 1, resumed: true, ...base }],
    ['snapshot without epoch', { type: 'snapshot', status: 'idle', resumed: true, ...base }],
    ['snapshot without resumed', { type: 'snapshot', epoch: 1, status: 'idle', ...base }],
    ['full snapshot without messages', { type: 'snapshot', epoch: 1, status: 'idle', resumed: false, turn: null, usage, ...base }],
    ['full snapshot without turn', { type: 'snapshot', epoch: 1, status: 'idle', resumed: false, messages: [], usage, ...base }],
    ['full snapshot without usage', { type: 'snapshot', epoch: 1, status: 'idle', resumed: false, messages: [], turn: null, ...base }],
    [
      'full snapshot with a bad turn',
      { type: 'snapshot', epoch: 1, status: 'running', resumed: false, messages: [], turn: { text: '' }, usage, ...base },
    ],
    [
      'full snapshot with a bad running tool',
      {
        type: 'snapshot',
        epoch: 1,
        status: 'running',
        resumed: false,
        messages: [],
        turn: { number: 1, text: '', reasoning: '', running_tools: [{ call_id: 'k' }] },
        usage,
        ...base,
      },
    ],
    ['turn_start with bad user_message_ids', { type: 'turn_start', turn: 1, user_message_ids: ['1'], ...base }],
    ['turn_start with a string resumed', { type: 'turn_start', turn: 1, resumed: 'yes', ...base }],
    ['session_failed without crashes', { type: 'session_failed', chat_id: 'c1', error: 'x' }],
    ['session_failed without chat_id', { type: 'session_failed', crashes: 5, error: 'x' }],
    ['ack without message_id', { type: 'ack', client_id: 'm', ...base }],
    ['message with a bad message', { type: 'message', message: { id: 1 }, ...base }],
    ['tool_result with a bad outcome', { type: 'tool_result', turn: 1, call_id: 'k', name: 'x', outcome: 4, output: '', exit_code: 0, duration_ms: 1, ...base }],
    ['tool_result without duration', { type: 'tool_result', turn: 1, call_id: 'k', name: 'x', outcome: 'ok', output: '', exit_code: 0, ...base }],
    ['turn_end with a null outcome', { type: 'turn_end', turn: 1, outcome: null, usage, ...base }],
    ['turn_end without usage', { type: 'turn_end', turn: 1, outcome: 'completed', ...base }],
    ['turn_end with partial usage', { type: 'turn_end', turn: 1, outcome: 'completed', usage: { prompt: 1 }, ...base }],
    ['error without code', { type: 'error', message: 'x' }],
    ['error with seq but no chat_id', { type: 'error', code: 'x', message: 'y', seq: 3 }],
  ])('rejects %s', (_n, frame) => {
    expect(() => parseServerFrame(JSON.stringify(frame))).toThrow(ProtocolError);
  });

  it("keeps a frame of a newer node's type as it is: a chat frame still counts in the seq", () => {
    forgetNotedNewer();
    const spy = vi.spyOn(console, 'info').mockImplementation(() => {});
    const frame = parseServerFrame(JSON.stringify({ type: 'budget_warning', left: 0.1, ...base }));
    expect(frame).toEqual({ type: 'unknown', frame_type: 'budget_warning', ...base, raw: { type: 'budget_warning', left: 0.1, ...base } });
    expect(isChatFrame(frame)).toBe(true);
    const conn = parseServerFrame(JSON.stringify({ type: 'node_draining' }));
    expect(conn).toMatchObject({ type: 'unknown', frame_type: 'node_draining' });
    expect(isChatFrame(conn)).toBe(false);
    parseServerFrame(JSON.stringify({ type: 'budget_warning', ...base, seq: 5 }));
    expect(notedNewer()).toEqual(['frame type budget_warning', 'frame type node_draining']);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('reads a session_failed without reason (an older node) by its crashes', () => {
    expect(parseServerFrame(JSON.stringify({ type: 'session_failed', chat_id: 'c1', crashes: 0, error: '' }))).toMatchObject({ reason: 'unavailable' });
    expect(parseServerFrame(JSON.stringify({ type: 'session_failed', chat_id: 'c1', crashes: 5, error: '' }))).toMatchObject({ reason: 'failed' });
  });
});

describe('chat REST calls', () => {
  it('createChat POSTs JSON and parses the 201 chat', async () => {
    const f = respond(201, chat);
    await expect(createChat({ workspace: '/home/me/project', title: 'Fix the build' }, { fetchImpl: f })).resolves.toEqual(chat);
    const [url, init] = f.mock.calls[0] ?? [];
    expect(url).toBe('/api/chats');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ workspace: '/home/me/project', title: 'Fix the build' });
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('createChat leaves out an empty title', async () => {
    const f = respond(201, chat);
    await createChat({ workspace: '/w', title: '' }, { fetchImpl: f });
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ workspace: '/w' });
  });

  it("surfaces the API's error as {code, message}", async () => {
    const body = { error: { code: 'invalid_argument', message: 'workspace /nope is not an existing directory' } };
    const f = respond(400, body);
    const err = await createChat({ workspace: '/nope' }, { fetchImpl: f }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(errorInfo(err)).toEqual(body.error);
    expect((err as ApiError).status).toBe(400);
  });

  it('gives a code even when the error body is not JSON, or the network fails', async () => {
    const err = await listChats({ fetchImpl: respond(502, 'bad gateway') }).catch((e: unknown) => e);
    expect(errorInfo(err).code).toBe('http_502');
    const down = vi.fn<typeof fetch>(async () => {
      throw new TypeError('fetch failed');
    });
    const err2 = await listChats({ fetchImpl: down }).catch((e: unknown) => e);
    expect(errorInfo(err2)).toEqual({ code: 'network', message: 'cannot reach the node (fetch failed)' });
  });

  it('a 2xx body of the wrong shape is a bad_response', async () => {
    const err = await listChats({ fetchImpl: respond(200, { chats: [] }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(errorInfo(err).code).toBe('bad_response');
  });

  it('listChats reads {items}', async () => {
    const f = respond(200, { items: [chat] });
    await expect(listChats({ fetchImpl: f })).resolves.toEqual([chat]);
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats');
  });

  it('getChat returns the chat with its messages and escapes the id', async () => {
    const f = respond(200, { ...chat, messages: [userMsg, assistantMsg, toolMsg] });
    const got = await getChat('c/1', { fetchImpl: f });
    expect(got.messages).toHaveLength(3);
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c%2F1');
  });

  it('getChat needs a messages array', async () => {
    await expect(getChat('c1', { fetchImpl: respond(200, chat) })).rejects.toBeInstanceOf(ProtocolError);
  });

  it('archiveChat sends DELETE', async () => {
    const f = respond(200, { ...chat, archived: true });
    await expect(archiveChat(chat.id, { fetchImpl: f })).resolves.toMatchObject({ archived: true });
    expect(f.mock.calls[0]?.[1]?.method).toBe('DELETE');
  });

  it('sendMessage posts text and client_id and returns message_id', async () => {
    const f = respond(202, { message_id: 12 });
    await expect(sendMessage('c1', { text: 'hello', client_id: 'm-17' }, { fetchImpl: f })).resolves.toEqual({ message_id: 12 });
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c1/messages');
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ text: 'hello', client_id: 'm-17' });
  });

  it('sendMessage posts the attachment ids, and leaves the field out when there are none', async () => {
    const f = respond(202, { message_id: 13 });
    await sendMessage('c1', { text: '', client_id: 'm-18', attachments: ['a_5f0e3c9a7b1d2e44'] }, { fetchImpl: f });
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ text: '', client_id: 'm-18', attachments: ['a_5f0e3c9a7b1d2e44'] });
    await sendMessage('c1', { text: 'x', attachments: [] }, { fetchImpl: f });
    expect(JSON.parse(String(f.mock.calls[1]?.[1]?.body))).toEqual({ text: 'x' });
  });

  it('sendMessage surfaces the refusal of an attachment', async () => {
    const message = 'an attachment is not one of this chat\'s uploads (or it expired): upload the image again';
    const f = respond(400, { error: { code: 'unknown_attachment', message } });
    const err = await sendMessage('c1', { text: 'x', attachments: ['a_0000000000000000'] }, { fetchImpl: f }).catch((e: unknown) => e);
    expect(errorInfo(err)).toEqual({ code: 'unknown_attachment', message });
  });

  it('sendMessage surfaces 409 archived', async () => {
    const f = respond(409, { error: { code: 'archived', message: 'the chat is archived' } });
    const err = await sendMessage('c1', { text: 'x' }, { fetchImpl: f }).catch((e: unknown) => e);
    expect(errorInfo(err)).toEqual({ code: 'archived', message: 'the chat is archived' });
  });
});

describe('timeline, fork and restart', () => {
  const done = finishedTurn;
  const running = {
    ...done,
    turn: 2,
    finished_at: null,
    duration_ms: null,
    outcome: 'running',
    first_message_id: null,
    preview: '',
  };

  it('getTimeline reads the turns, in turn order', async () => {
    const f = respond(200, { turns: [running, done] });
    await expect(getTimeline('c/1', { fetchImpl: f })).resolves.toEqual([done, running]);
    const failed = { ...done, outcome: 'error', error: 'HTTP 502 from the model' };
    await expect(getTimeline('c1', { fetchImpl: respond(200, { turns: [failed, { ...done, turn: 2, error: '' }] }) })).resolves.toEqual([
      failed,
      { ...done, turn: 2 },
    ]);
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c%2F1/timeline');
    expect(f.mock.calls[0]?.[1]?.method).toBe('GET');
  });

  it.each([
    ['not {turns}', { items: [] }],
    ['a numeric outcome', { turns: [{ ...done, outcome: 7 }] }],
    ['a bad started_at', { turns: [{ ...done, started_at: 'yesterday' }] }],
    ['turn 0', { turns: [{ ...done, turn: 0 }] }],
    ['no usage', { turns: [{ ...done, usage: undefined }] }],
    ['a string tool_calls', { turns: [{ ...done, tool_calls: '3' }] }],
    ['a negative duration', { turns: [{ ...done, duration_ms: -1 }] }],
    ['a bad first_message_id', { turns: [{ ...done, first_message_id: 'm17' }] }],
  ])('getTimeline rejects a body with %s', async (_n, body) => {
    await expect(getTimeline('c1', { fetchImpl: respond(200, body) })).rejects.toBeInstanceOf(ProtocolError);
  });

  it('getTimeline surfaces 404 for an unknown chat', async () => {
    const f = respond(404, { error: { code: 'not_found', message: 'no chat c9' } });
    const err = await getTimeline('c9', { fetchImpl: f }).catch((e: unknown) => e);
    expect(errorInfo(err)).toEqual({ code: 'not_found', message: 'no chat c9' });
  });

  it('forkChat POSTs the turn and returns the new chat', async () => {
    const forked = { ...chat, id: 'c_fork', title: 'Fix the build (turn 2)' };
    const f = respond(201, forked);
    await expect(forkChat(chat.id, 2, { fetchImpl: f })).resolves.toEqual(forked);
    expect(f.mock.calls[0]?.[0]).toBe(`/api/chats/${chat.id}/fork`);
    expect(f.mock.calls[0]?.[1]?.method).toBe('POST');
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ turn: 2 });
  });

  it('forkChat needs a chat back', async () => {
    await expect(forkChat('c1', 1, { fetchImpl: respond(201, { ok: true }) })).rejects.toBeInstanceOf(ProtocolError);
  });

  it('restartChat POSTs and reads {restarted}', async () => {
    const f = respond(200, { restarted: true });
    await expect(restartChat('c1', { fetchImpl: f })).resolves.toEqual({ restarted: true });
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c1/restart');
    expect(f.mock.calls[0]?.[1]?.method).toBe('POST');
    await expect(restartChat('c1', { fetchImpl: respond(200, { restarted: 'yes' }) })).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('attachments', () => {
  const stored = {
    id: 'a_5f0e3c9a7b1d2e44',
    sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    media_type: 'image/png',
    bytes: 183204,
    width: 1280,
    height: 800,
    name: 'screenshot.png',
  };

  it('uploadAttachment posts the file as multipart field "file" with its name, and reads the attachment', async () => {
    const f = respond(201, stored);
    const file = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
    await expect(uploadAttachment('c 1', file, 'screenshot.png', { fetchImpl: f })).resolves.toEqual(stored);
    const [url, init] = f.mock.calls[0] ?? [];
    expect(url).toBe('/api/chats/c%201/attachments');
    expect(init?.method).toBe('POST');
    const body = init?.body;
    expect(body).toBeInstanceOf(FormData);
    const part = (body as FormData).get('file');
    expect(part).toBeInstanceOf(File);
    expect((part as File).name).toBe('screenshot.png');
    expect((part as File).size).toBe(4);
    // fetch writes the multipart Content-Type (with its boundary) itself.
    expect(new Headers(init?.headers).has('Content-Type')).toBe(false);
  });

  it.each([
    [413, 'payload_too_large', 'the image has 30000000 bytes; the limit is 20971520'],
    [415, 'unsupported_media_type', 'not a PNG, JPEG, WebP or GIF image (judged by its bytes)'],
    [400, 'invalid_image', 'the image has too many pixels'],
  ])('uploadAttachment surfaces the node\'s %i %s as it is', async (status, code, message) => {
    const f = respond(status, { error: { code, message } });
    const err = await uploadAttachment('c1', new Blob(['x']), 'x.png', { fetchImpl: f }).catch((e: unknown) => e);
    expect(errorInfo(err)).toEqual({ code, message });
  });

  it('uploadAttachment refuses a malformed answer', async () => {
    const f = respond(201, { ...stored, width: 0 });
    await expect(uploadAttachment('c1', new Blob(['x']), 'x.png', { fetchImpl: f })).rejects.toBeInstanceOf(ProtocolError);
  });

  it('attachmentUrl names the original and the thumbnail', () => {
    expect(attachmentUrl('a_5f0e3c9a7b1d2e44')).toBe('/api/attachments/a_5f0e3c9a7b1d2e44');
    expect(attachmentUrl('a_5f0e3c9a7b1d2e44', 'thumbnail')).toBe('/api/attachments/a_5f0e3c9a7b1d2e44/thumbnail');
  });
});
