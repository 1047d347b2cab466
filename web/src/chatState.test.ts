import { describe, expect, it } from 'vitest';
import type { ChatFrame, ErrorFrame, SnapshotTurn } from './protocol/frames';
import type { Attachment, ChatWithMessages, Message, Usage } from './protocol/rest';
import type { ChatStatus } from './protocol/states';
import {
  buildTranscript,
  chatReducer,
  compareMessages,
  initialChatState,
  mergeMessages,
  resendFrames,
  subscribeFrame,
  turnStatus,
  userMessageFrame,
  type ChatAction,
  type ChatState,
} from './chatState';

const CHAT = 'c1';
const usage: Usage = { prompt: 120, cache_hit: 100, cache_miss: 20, cache_write: 0, completion: 30, reasoning: 0 };
const zero: Usage = { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 };

let seq = 0;
/** A chat frame with the next seq (or the given one). */
function f<T extends ChatFrame['type']>(type: T, fields: Record<string, unknown> = {}, at?: number): ChatAction {
  const s = at ?? ++seq;
  if (at !== undefined) seq = Math.max(seq, at);
  return { type: 'frame', frame: { type, chat_id: CHAT, seq: s, ...fields } as unknown as ChatFrame };
}

function msg(id: number, role: Message['role'], content: string, extra: Partial<Message> = {}): Message {
  return { id, role, content, turn: 1, created_at: '2026-11-24T06:10:00Z', ...extra };
}

function chatWith(messages: Message[], status: ChatWithMessages['status'] = 'idle'): ChatWithMessages {
  return {
    id: CHAT,
    workspace: '/w',
    title: 'w',
    build_command: null,
    created_at: '2026-11-24T06:10:00Z',
    archived: false,
    status,
    messages,
  };
}

function run(actions: ChatAction[], start: ChatState = initialChatState(CHAT)): ChatState {
  return actions.reduce(chatReducer, start);
}

/** A full snapshot at `at` (the chat as it is then). */
function snapshot(
  at: number,
  view: { messages?: Message[]; turn?: SnapshotTurn | null; usage?: Usage; epoch?: number; status?: 'idle' | 'running' } = {},
): ChatAction {
  seq = at;
  const turn = view.turn ?? null;
  return {
    type: 'frame',
    frame: {
      type: 'snapshot',
      chat_id: CHAT,
      seq: at,
      epoch: view.epoch ?? 1,
      status: view.status ?? (turn ? 'running' : 'idle'),
      resumed: false,
      messages: view.messages ?? [],
      turn,
      usage: view.usage ?? zero,
    },
  };
}

/** A resumed snapshot: the subscribe's after_seq `at` and epoch matched. */
function resumed(at: number, epoch = 1, status: 'idle' | 'running' = 'idle'): ChatAction {
  seq = at;
  return { type: 'frame', frame: { type: 'snapshot', chat_id: CHAT, seq: at, epoch, status, resumed: true } };
}

function turnStart(turn: number, fields: Record<string, unknown> = {}, at?: number): ChatAction {
  return f('turn_start', { turn, user_message_ids: [], resumed: false, ...fields }, at);
}

describe('chatReducer: history', () => {
  it('loads messages in order and the chat metadata', () => {
    const s = run([{ type: 'loaded', chat: chatWith([msg(2, 'assistant', 'b'), msg(1, 'user', 'a')]) }]);
    expect(s.load).toBe('loaded');
    expect(s.chat?.title).toBe('w');
    expect(s.messages.map((m) => m.id)).toEqual([1, 2]);
    expect(s.running).toBe(false);
  });

  it('takes the running status from the chat until frames say otherwise', () => {
    expect(run([{ type: 'loaded', chat: chatWith([], 'running') }]).running).toBe(true);
  });

  it('before any snapshot, merges a load with live messages by id', () => {
    const s = run([
      f('message', { message: msg(3, 'assistant', 'live') }),
      { type: 'loaded', chat: chatWith([msg(1, 'user', 'a'), msg(2, 'assistant', 'b')]) },
    ]);
    expect(s.messages.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('after a snapshot, a load only updates the chat: the snapshot knows the messages better', () => {
    const s = run([
      snapshot(4, { messages: [msg(1, 'user', 'a'), msg(2, 'assistant', 'b', { turn: 1 })] }),
      // Read before the snapshot: the answer is missing and the user message has no turn yet.
      { type: 'loaded', chat: { ...chatWith([msg(1, 'user', 'a', { turn: null })], 'running'), title: 'renamed' } },
    ]);
    expect(s.chat?.title).toBe('renamed');
    expect(s.messages.map((m) => [m.id, m.turn])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(s.running).toBe(false);
  });

  it('a load that says the session failed shows it', () => {
    const s = run([{ type: 'loaded', chat: chatWith([], 'failed') }]);
    expect(s.sessionFailed).toEqual({ reason: 'failed', crashes: null, error: '' });
    expect(s.running).toBe(false);
  });

  it('a load that says an operator stopped the chat, or that no node serves it, shows why', () => {
    expect(run([{ type: 'loaded', chat: chatWith([], 'stopped') }]).sessionFailed).toEqual({
      reason: 'stopped',
      crashes: null,
      error: '',
    });
    expect(run([{ type: 'loaded', chat: chatWith([], 'unavailable') }]).sessionFailed?.reason).toBe('unavailable');
    // A status of a newer node is kept, and says nothing of a failure.
    const newer = run([{ type: 'loaded', chat: chatWith([], 'hibernating' as ChatStatus) }]);
    expect(newer.chat?.status).toBe('hibernating');
    expect(newer.sessionFailed).toBeNull();
  });

  it('ignores a load for another chat', () => {
    const other = { ...chatWith([msg(1, 'user', 'x')]), id: 'c2' };
    expect(run([{ type: 'loaded', chat: other }]).messages).toEqual([]);
  });

  it('records a failed load', () => {
    const s = run([{ type: 'load_failed', error: { code: 'not_found', message: 'no chat c1' } }]);
    expect(s.load).toBe('error');
    expect(s.loadError).toEqual({ code: 'not_found', message: 'no chat c1' });
  });

  it('open resets the state for another chat only', () => {
    const s = run([{ type: 'loaded', chat: chatWith([msg(1, 'user', 'a')]) }]);
    expect(chatReducer(s, { type: 'open', chatId: CHAT })).toBe(s);
    expect(chatReducer(s, { type: 'open', chatId: 'c2' }).messages).toEqual([]);
  });
});

describe('compareMessages / mergeMessages', () => {
  it('orders by turn (waiting messages last), then by id', () => {
    const sent = msg(5, 'user', 'sent during turn 3', { turn: null });
    const merged = mergeMessages(
      [msg(4, 'assistant', 't3 a', { turn: 3 }), msg(1, 'user', 't2', { turn: 2 })],
      [sent, msg(6, 'assistant', 't3 b', { turn: 3 }), msg(3, 'user', 't3', { turn: 3 })],
    );
    expect(merged.map((m) => m.id)).toEqual([1, 3, 4, 6, 5]);
    expect([...merged].sort(compareMessages)).toEqual(merged);
  });

  it('replaces a message by id', () => {
    const merged = mergeMessages([msg(1, 'user', 'x', { turn: null })], [msg(1, 'user', 'x', { turn: 4 })]);
    expect(merged).toEqual([msg(1, 'user', 'x', { turn: 4 })]);
  });
});

describe('chatReducer: snapshots and seq', () => {
  it('a full snapshot replaces messages, the turn in progress, its streamed text and running tools', () => {
    const stale = run([
      snapshot(2, { messages: [msg(1, 'user', 'old')] }),
      turnStart(9, {}, 3),
      f('assistant_delta', { turn: 9, text: 'stale text' }, 4),
      f('tool_call', { turn: 9, call_id: 'gone', name: 'run_command', arguments: '{}' }, 5),
    ]);
    const args = '{"argv":["sleep","3"]}';
    const s = run(
      [
        snapshot(40, {
          epoch: 2,
          messages: [
            msg(1, 'user', 'q', { turn: 1 }),
            msg(2, 'assistant', 'Running it.', { turn: 1, tool_calls: [{ id: 'k1', name: 'run_command', arguments: args }] }),
            msg(3, 'user', 'waiting', { turn: null }),
          ],
          turn: {
            number: 1,
            text: 'Hello, wor',
            reasoning: 'hmm',
            running_tools: [{ turn: 1, call_id: 'k1', name: 'run_command', arguments: args }],
          },
          usage,
        }),
      ],
      stale,
    );
    expect(s).toMatchObject({
      lastSeq: 40,
      epoch: 2,
      gap: false,
      running: true,
      liveTurn: 1,
      liveText: 'Hello, wor',
      liveReasoning: 'hmm',
      usage,
    });
    expect(s.messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(Object.keys(s.toolCalls)).toEqual(['k1']);
    expect(s.toolCalls.k1).toMatchObject({ state: 'running', name: 'run_command', arguments: args, turn: 1 });
    expect(s.turns).toEqual({ 1: { turn: 1, state: 'running' } });
    expect(turnStatus(s)).toBe('running');
    // The running call on the stored message, the text so far, then the waiting message.
    const items = buildTranscript(s);
    expect(items.map((i) => i.kind)).toEqual(['user', 'assistant', 'live', 'user']);
    expect(items[1]).toMatchObject({ toolCalls: [{ call_id: 'k1', state: 'running' }] });
    expect(items[2]).toMatchObject({ text: 'Hello, wor', reasoning: 'hmm' });
    expect(items[3]).toMatchObject({ text: 'waiting', messageId: 3, turn: null });
  });

  it('a full snapshot of an idle chat ends what we thought was running, and keeps finished turn footers', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('turn_end', { turn: 1, outcome: 'cancelled', usage }),
      turnStart(2),
      f('assistant_delta', { turn: 2, text: 'partial' }),
      snapshot(20, { messages: [msg(1, 'user', 'a'), msg(2, 'user', 'b', { turn: 2 }), msg(3, 'assistant', 'B', { turn: 2 })] }),
    ]);
    expect(s).toMatchObject({ running: false, liveTurn: null, liveText: '', liveReasoning: '', toolCalls: {} });
    expect(s.turns).toEqual({ 1: { turn: 1, state: 'cancelled', usage } });
    expect(turnStatus(s)).toBe('cancelled');
  });

  it('takes running from the turn in progress, not from a status that lags behind turn_end', () => {
    const s = run([snapshot(22, { status: 'running', turn: null })]);
    expect(s.running).toBe(false);
  });

  it('a full snapshot settles pending messages and clears a session failure', () => {
    const s = run([
      { type: 'send', client_id: 'm-1', text: 'hi' },
      { type: 'frame', frame: { type: 'session_failed', chat_id: CHAT, reason: 'failed', crashes: 5, error: 'boom' } },
      snapshot(3, { messages: [msg(1, 'user', 'hi', { client_id: 'm-1', turn: null })] }),
    ]);
    expect(s.pending).toEqual([]);
    expect(s.sessionFailed).toBeNull();
  });

  it('a resumed snapshot keeps everything and the frames after it apply', () => {
    const before = run([snapshot(5, { epoch: 3 }), turnStart(1, {}, 6), f('assistant_delta', { turn: 1, text: 'Hel' }, 7)]);
    const s = run([resumed(7, 3, 'running'), f('assistant_delta', { turn: 1, text: 'lo' }, 8)], before);
    expect(s).toMatchObject({ lastSeq: 8, epoch: 3, gap: false, liveText: 'Hello', running: true });
    expect(s.messages).toBe(before.messages);
  });

  it('ignores frames with seq <= the last applied (duplicates)', () => {
    const s1 = run([snapshot(5), f('assistant_delta', { turn: 1, text: 'Hel' }, 6)]);
    const s2 = run([f('assistant_delta', { turn: 1, text: 'Hel' }, 6), f('assistant_delta', { turn: 1, text: 'XX' }, 3)], s1);
    expect(s2).toBe(s1);
    expect(s2.liveText).toBe('Hel');
    expect(s2.lastSeq).toBe(6);
    expect(s2.gap).toBe(false);
  });

  it('ignores frames at or before the snapshot seq (they are in it)', () => {
    const s = run([snapshot(10), f('message', { message: msg(1, 'user', 'old') }, 10)]);
    expect(s.messages).toEqual([]);
  });

  it('detects a gap, remembers it, and still applies the frame; a full snapshot clears it', () => {
    const s = run([snapshot(1), turnStart(1, {}, 2), f('assistant_delta', { turn: 1, text: 'lo' }, 5)]);
    expect(s.gap).toBe(true);
    expect(s.lastSeq).toBe(5);
    expect(s.liveText).toBe('lo');
    // Later in-order frames do not clear the gap; subscribing again does.
    const s2 = run([f('assistant_delta', { turn: 1, text: '!' }, 6)], s);
    expect(s2.gap).toBe(true);
    expect(run([{ type: 'resubscribe' }], s2).gap).toBe(false);
    const s3 = run([snapshot(9, { messages: [msg(1, 'user', 'hi')], turn: { number: 1, text: 'Hello!', reasoning: '', running_tools: [] } })], s2);
    expect(s3).toMatchObject({ gap: false, lastSeq: 9, liveText: 'Hello!', running: true });
  });

  it('takes the first frame as the baseline when nothing was seen', () => {
    const s = run([f('ack', { client_id: 'x', message_id: 1 }, 40)]);
    expect(s.lastSeq).toBe(40);
    expect(s.gap).toBe(false);
  });

  it('a full snapshot of a new epoch may go back in seq: it is the new baseline', () => {
    const s = run([snapshot(50, { epoch: 1 }), f('ack', { client_id: 'x', message_id: 1 }, 51), snapshot(3, { epoch: 2 })]);
    expect(s).toMatchObject({ lastSeq: 3, epoch: 2, gap: false });
    expect(run([turnStart(1, {}, 4)], s)).toMatchObject({ lastSeq: 4, gap: false, running: true });
  });

  it('trace frames count in the seq (no gap) and change nothing else', () => {
    const s = run([snapshot(1), turnStart(1)]);
    const trace = { id: 't1', turn: 1, tool: 'read_file', call_id: 'call_1', input: {}, started_at: '2026-11-24T08:00:00.000001Z' };
    const s2 = run([f('tool_trace_start', trace), f('model_trace_finish', { id: 't0', turn: 1 }), f('assistant_delta', { turn: 1, text: 'hi' })], s);
    expect(s2).toMatchObject({ gap: false, lastSeq: 5, liveText: 'hi', toolCalls: {} });
  });

  it('ignores frames of other chats', () => {
    const s = initialChatState(CHAT);
    const other: ChatAction = {
      type: 'frame',
      frame: { type: 'turn_start', chat_id: 'c2', seq: 1, turn: 1, user_message_ids: [], resumed: false },
    };
    expect(chatReducer(s, other)).toBe(s);
    const failed: ChatAction = { type: 'frame', frame: { type: 'session_failed', chat_id: 'c2', reason: 'failed', crashes: 5, error: 'x' } };
    expect(chatReducer(s, failed)).toBe(s);
  });
});

describe('subscribeFrame', () => {
  it('subscribes in full before the first snapshot', () => {
    expect(subscribeFrame(initialChatState(CHAT))).toEqual({ type: 'subscribe', chat_id: CHAT });
    // A frame without a snapshot gives a seq but no epoch.
    expect(subscribeFrame(run([f('ack', { client_id: 'x', message_id: 1 }, 4)]))).toEqual({ type: 'subscribe', chat_id: CHAT });
  });

  it('continues from the last seq applied, in the snapshot epoch', () => {
    const s = run([snapshot(5, { epoch: 7 }), turnStart(1, {}, 6)]);
    expect(subscribeFrame(s)).toEqual({ type: 'subscribe', chat_id: CHAT, after_seq: 6, epoch: 7 });
  });

  it('after a gap, asks for a full snapshot', () => {
    const s = run([snapshot(5, { epoch: 7 }), turnStart(1, {}, 9)]);
    expect(s.gap).toBe(true);
    expect(subscribeFrame(s)).toEqual({ type: 'subscribe', chat_id: CHAT });
  });
});

describe('chatReducer: session failures', () => {
  it('session_failed stops the turn and is shown until a restart', () => {
    let s = run([snapshot(0), turnStart(1)]);
    s = run([{ type: 'frame', frame: { type: 'session_failed', chat_id: CHAT, reason: 'failed', crashes: 5, error: 'storage failure' } }], s);
    expect(s.sessionFailed).toEqual({ reason: 'failed', crashes: 5, error: 'storage failure' });
    expect(s.running).toBe(false);
    expect(s.lastSeq).toBe(1); // it has no seq
    expect(run([{ type: 'restarted' }], s).sessionFailed).toBeNull();
  });
});

describe('chatReducer: streaming a turn', () => {
  it('accumulates assistant and reasoning deltas of the turn in progress', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('reasoning_delta', { turn: 1, text: 'Let me ' }),
      f('reasoning_delta', { turn: 1, text: 'think.' }),
      f('assistant_delta', { turn: 1, text: 'Hello, ' }),
      f('assistant_delta', { turn: 1, text: '**world**' }),
    ]);
    expect(s.running).toBe(true);
    expect(s.liveTurn).toBe(1);
    expect(s.liveReasoning).toBe('Let me think.');
    expect(s.liveText).toBe('Hello, **world**');
    expect(turnStatus(s)).toBe('running');
    const live = buildTranscript(s).find((i) => i.kind === 'live');
    expect(live).toMatchObject({ text: 'Hello, **world**', reasoning: 'Let me think.' });
  });

  it('a delta of a new turn starts a fresh stream', () => {
    const s = run([
      snapshot(0),
      f('assistant_delta', { turn: 1, text: 'old' }),
      f('assistant_delta', { turn: 2, text: 'new' }),
    ]);
    expect(s.liveTurn).toBe(2);
    expect(s.liveText).toBe('new');
  });

  it('the stored assistant message replaces the streamed text', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('assistant_delta', { turn: 1, text: 'Done.' }),
      f('message', { message: msg(2, 'assistant', 'Done.') }),
    ]);
    expect(s.liveText).toBe('');
    const items = buildTranscript(s);
    expect(items.filter((i) => i.kind === 'assistant')).toHaveLength(1);
    expect(items.find((i) => i.kind === 'live')).toMatchObject({ text: '' });
  });

  it('tool call lifecycle: pending, then finished with outcome, output, exit code and duration', () => {
    const args = '{"argv":["cat","notes.txt"]}';
    let s = run([
      snapshot(0),
      turnStart(1),
      f('message', {
        message: msg(2, 'assistant', 'Reading it.', { tool_calls: [{ id: 'k1', name: 'run_command', arguments: args }] }),
      }),
      f('tool_call', { turn: 1, call_id: 'k1', name: 'run_command', arguments: args }),
    ]);
    expect(s.toolCalls.k1).toMatchObject({ state: 'running', name: 'run_command', arguments: args });
    let assistant = buildTranscript(s).find((i) => i.kind === 'assistant');
    expect(assistant).toMatchObject({ toolCalls: [{ call_id: 'k1', state: 'running' }] });

    s = run(
      [
        f('tool_result', {
          turn: 1,
          call_id: 'k1',
          name: 'run_command',
          outcome: 'ok',
          output: 'hello\n',
          exit_code: 0,
          duration_ms: 42,
        }),
      ],
      s,
    );
    expect(s.toolCalls.k1).toMatchObject({ state: 'done', outcome: 'ok', output: 'hello\n', exit_code: 0, duration_ms: 42 });
    assistant = buildTranscript(s).find((i) => i.kind === 'assistant');
    expect(assistant).toMatchObject({
      toolCalls: [{ call_id: 'k1', state: 'done', outcome: 'ok', output: 'hello\n', exit_code: 0, duration_ms: 42 }],
    });

    // The stored tool message takes over (and is not shown as a message of its own).
    s = run(
      [
        f('message', {
          message: msg(3, 'tool', 'hello\n', { tool_call_id: 'k1', tool_name: 'run_command', outcome: 'ok', exit_code: 0, duration_ms: 42 }),
        }),
      ],
      s,
    );
    const items = buildTranscript(s);
    expect(items.filter((i) => i.kind === 'tool')).toHaveLength(0);
    expect(items.find((i) => i.kind === 'assistant')).toMatchObject({ toolCalls: [{ state: 'done', outcome: 'ok' }] });
  });

  it('shows a tool call that arrives before its assistant message in the live turn', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('tool_call', { turn: 1, call_id: 'k1', name: 'write_file', arguments: '{"path":"a"}' }),
    ]);
    const live = buildTranscript(s).find((i) => i.kind === 'live');
    expect(live).toMatchObject({ toolCalls: [{ call_id: 'k1', name: 'write_file', state: 'running' }] });
  });

  it('a tool result that arrives as a stored message finishes a running call', () => {
    const s = run([
      snapshot(0),
      f('tool_call', { turn: 1, call_id: 'k1', name: 'read_file', arguments: '{}' }),
      f('message', { message: msg(3, 'tool', 'boom', { tool_call_id: 'k1', outcome: 'error', exit_code: null, duration_ms: 5 }) }),
    ]);
    expect(s.toolCalls.k1).toMatchObject({ state: 'done', outcome: 'error', output: 'boom', duration_ms: 5 });
  });

  it('turn_end records outcome and usage and stops running', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('message', { message: msg(2, 'assistant', 'Hi') }),
      f('turn_end', { turn: 1, outcome: 'completed', usage }),
    ]);
    expect(s.running).toBe(false);
    expect(s.liveTurn).toBeNull();
    expect(s.turns[1]).toEqual({ turn: 1, state: 'completed', usage });
    expect(turnStatus(s)).toBe('completed');
    const items = buildTranscript(s);
    expect(items.map((i) => i.kind)).toEqual(['assistant', 'turn_end']);
  });

  it('a cancelled turn keeps the text that streamed but was never stored', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('assistant_delta', { turn: 1, text: 'I was say' }),
      f('turn_end', { turn: 1, outcome: 'cancelled', usage }),
    ]);
    expect(s.turns[1]).toMatchObject({ state: 'cancelled', partialText: 'I was say' });
    expect(turnStatus(s)).toBe('cancelled');
  });

  it('a running tool call of a turn that ended without its result is shown as lost', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('message', { message: msg(2, 'assistant', '', { tool_calls: [{ id: 'k', name: 'run_command', arguments: '{}' }] }) }),
      f('tool_call', { turn: 1, call_id: 'k', name: 'run_command', arguments: '{}' }),
      f('turn_end', { turn: 1, outcome: 'cancelled', usage }),
    ]);
    expect(buildTranscript(s).find((i) => i.kind === 'assistant')).toMatchObject({ toolCalls: [{ state: 'lost' }] });
  });

  it('error frames are kept with their turn and shown inline; turn_end error shown once', () => {
    const s = run([
      snapshot(0),
      turnStart(1),
      f('error', { code: 'model_error', message: 'HTTP 502 from the model' }),
      f('turn_end', { turn: 1, outcome: 'error', usage, error: { code: 'model_error', message: 'HTTP 502 from the model' } }),
    ]);
    expect(s.errors).toMatchObject([{ code: 'model_error', turn: 1 }]);
    expect(turnStatus(s)).toBe('error');
    const items = buildTranscript(s);
    expect(items.map((i) => i.kind)).toEqual(['error', 'turn_end']);
    const end = items.find((i) => i.kind === 'turn_end');
    expect(end && end.kind === 'turn_end' && end.info.error).toBeFalsy();
    const dismissed = chatReducer(s, { type: 'dismiss_error', key: s.errors[0]!.key });
    expect(dismissed.errors).toEqual([]);
  });

  it('orders the transcript: history, turn footers, live turn, waiting and pending messages', () => {
    const s = run([
      snapshot(0, { messages: [msg(1, 'user', 'first'), msg(2, 'assistant', 'one')], turn: { number: 1, text: '', reasoning: '', running_tools: [] } }),
      f('turn_end', { turn: 1, outcome: 'completed', usage }),
      f('message', { message: msg(3, 'user', 'second', { turn: null }) }),
      turnStart(2, { user_message_ids: [3] }),
      f('assistant_delta', { turn: 2, text: 'stream' }),
      // Sent while turn 2 runs: its id is between turn 2's messages, it waits for turn 3.
      f('message', { message: msg(4, 'user', 'waiting', { turn: null }) }),
      f('message', { message: msg(5, 'assistant', 'two', { turn: 2 }) }),
      f('assistant_delta', { turn: 2, text: 'more' }),
      { type: 'send', client_id: 'm-9', text: 'third' },
    ]);
    expect(buildTranscript(s).map((i) => i.kind + ':' + ('text' in i ? i.text : ''))).toEqual([
      'user:first',
      'assistant:',
      'turn_end:',
      'user:second',
      'assistant:',
      'live:more',
      'user:waiting',
      'user:third',
    ]);
  });

  it('turn_start gives the waiting messages it answers their turn', () => {
    const s = run([
      snapshot(0, { messages: [msg(1, 'user', 'a'), msg(2, 'assistant', 'A')] }),
      f('message', { message: msg(3, 'user', 'b', { turn: null }) }),
      f('message', { message: msg(4, 'user', 'c', { turn: null }) }),
      turnStart(2, { user_message_ids: [3, 4] }),
    ]);
    expect(s.messages.map((m) => [m.id, m.turn])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
    expect(buildTranscript(s).find((i) => i.kind === 'user' && i.messageId === 3)).toMatchObject({ turn: 2 });
  });

  it('a resumed turn is marked on the live item and on its footer', () => {
    let s = run([snapshot(0, { turn: { number: 3, text: 'Half', reasoning: '', running_tools: [] } }), turnStart(3, { resumed: true })]);
    expect(s.turns[3]).toEqual({ turn: 3, state: 'running', resumed: true });
    // The resumed turn_start repeats the turn the snapshot showed: what streamed stays.
    expect(s.liveText).toBe('Half');
    expect(buildTranscript(s).find((i) => i.kind === 'live')).toMatchObject({ resumed: true, turn: 3 });
    s = run([f('turn_end', { turn: 3, outcome: 'completed', usage })], s);
    expect(s.turns[3]).toMatchObject({ state: 'completed', resumed: true });
    expect(buildTranscript(s).find((i) => i.kind === 'turn_end')).toMatchObject({ info: { resumed: true } });
    expect(run([turnStart(4)], s).turns[4]).toEqual({ turn: 4, state: 'running' });
  });

  it('a snapshot that says its turn resumed marks it (for a page that missed the turn_start)', () => {
    const s = run([snapshot(0, { turn: { number: 2, text: '', reasoning: '', running_tools: [], resumed: true } })]);
    expect(s.turns[2]).toEqual({ turn: 2, state: 'running', resumed: true });
  });

  it('turn_end adds its usage to the chat totals from the snapshot', () => {
    const s = run([snapshot(0, { usage }), turnStart(2), f('turn_end', { turn: 2, outcome: 'completed', usage })]);
    expect(s.usage).toEqual({ prompt: 240, cache_hit: 200, cache_miss: 40, cache_write: 0, completion: 60, reasoning: 0 });
  });

  it('an interrupted tool call is done with its outcome', () => {
    const s = run([
      snapshot(0),
      turnStart(1, { resumed: true }),
      f('tool_result', {
        turn: 1,
        call_id: 'k1',
        name: 'run_command',
        outcome: 'interrupted',
        output: 'the node stopped while this ran',
        exit_code: null,
        duration_ms: 0,
      }),
    ]);
    expect(buildTranscript(s).find((i) => i.kind === 'live')).toMatchObject({
      toolCalls: [{ call_id: 'k1', state: 'done', outcome: 'interrupted' }],
    });
  });
});

describe('chatReducer: frames as the node sends them', () => {
  it('handles the user message with turn null, which turn_start then assigns', () => {
    const s = run([
      snapshot(0),
      { type: 'send', client_id: 'm-1', text: 'hi' },
      f('message', { message: msg(1, 'user', 'hi', { client_id: 'm-1', turn: null }) }),
      f('ack', { client_id: 'm-1', message_id: 1 }),
      turnStart(1, { user_message_ids: [1] }),
      f('message', { message: msg(2, 'assistant', 'Hello') }),
      f('turn_end', { turn: 1, outcome: 'completed', usage }),
    ]);
    expect(s.pending).toEqual([]);
    expect(s.messages[0]?.turn).toBe(1);
    expect(buildTranscript(s).map((i) => i.kind)).toEqual(['user', 'assistant', 'turn_end']);
  });
});

describe('chatReducer: optimistic user messages', () => {
  it('shows the message at once and replaces it when ack and message arrive', () => {
    let s = run([snapshot(0), { type: 'send', client_id: 'm-1', text: 'hello' }]);
    expect(s.pending).toEqual([{ client_id: 'm-1', text: 'hello', attachments: [], state: 'sending' }]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', text: 'hello', pending: { state: 'sending' } }]);

    s = run([f('ack', { client_id: 'm-1', message_id: 7 })], s);
    expect(s.pending).toEqual([{ client_id: 'm-1', text: 'hello', attachments: [], state: 'sent', message_id: 7 }]);

    s = run([f('message', { message: msg(7, 'user', 'hello', { client_id: 'm-1' }) })], s);
    expect(s.pending).toEqual([]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', text: 'hello', key: 'm7' }]);
  });

  it('a message echoed before the ack settles it too', () => {
    const s = run([
      snapshot(0),
      { type: 'send', client_id: 'm-1', text: 'hello' },
      f('message', { message: msg(7, 'user', 'hello', { client_id: 'm-1' }) }),
      f('ack', { client_id: 'm-1', message_id: 7 }),
    ]);
    expect(s.pending).toEqual([]);
    expect(buildTranscript(s).filter((i) => i.kind === 'user')).toHaveLength(1);
  });

  it('HTTP 202 (sent) then history load settles it by message id', () => {
    const s = run([
      { type: 'send', client_id: 'm-2', text: 'hey' },
      { type: 'sent', client_id: 'm-2', message_id: 4 },
      { type: 'loaded', chat: chatWith([msg(4, 'user', 'hey')]) },
    ]);
    expect(s.pending).toEqual([]);
  });

  it('marks a refused send failed, and retry makes it sending again', () => {
    let s = run([{ type: 'send', client_id: 'm-3', text: 'x' }]);
    s = chatReducer(s, { type: 'send_failed', client_id: 'm-3', error: { code: 'archived', message: 'archived' } });
    expect(s.pending[0]).toMatchObject({ state: 'failed', error: { code: 'archived' } });
    s = chatReducer(s, { type: 'resend', client_id: 'm-3' });
    expect(s.pending[0]).toEqual({ client_id: 'm-3', text: 'x', attachments: [], state: 'sending' });
    s = chatReducer(s, { type: 'discard_pending', client_id: 'm-3' });
    expect(s.pending).toEqual([]);
  });

  it('a connection-level error about the chat fails sending messages and is shown', () => {
    const err: ErrorFrame = { type: 'error', code: 'too_large', message: 'frame too large', chat_id: CHAT };
    const s = run([{ type: 'send', client_id: 'm-4', text: 'x'.repeat(10) }, { type: 'frame', frame: err }]);
    expect(s.pending[0]).toMatchObject({ state: 'failed', error: { code: 'too_large' } });
    expect(s.errors).toMatchObject([{ code: 'too_large', message: 'frame too large' }]);
    // It consumes no seq.
    expect(s.lastSeq).toBeNull();
  });
});

describe('chatReducer: messages with images', () => {
  const image = (id: string, name = 'shot.png'): Attachment => ({
    id,
    sha256: 'ab'.repeat(32),
    media_type: 'image/png',
    bytes: 2048,
    width: 640,
    height: 480,
    name,
  });
  const a1 = image('a_0000000000000001');
  const a2 = image('a_0000000000000002', 'second.png');

  it('a pending message keeps its images through ack, retry and resend, and shows them', () => {
    let s = run([snapshot(0), { type: 'send', client_id: 'm-1', text: '', attachments: [a1, a2] }]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', text: '', attachments: [a1, a2], pending: { state: 'sending' } }]);

    s = chatReducer(s, { type: 'send_failed', client_id: 'm-1', error: { code: 'network', message: 'offline' } });
    s = chatReducer(s, { type: 'resend', client_id: 'm-1' });
    expect(s.pending).toEqual([{ client_id: 'm-1', text: '', attachments: [a1, a2], state: 'sending' }]);

    s = run([f('ack', { client_id: 'm-1', message_id: 7 })], s);
    expect(s.pending).toEqual([{ client_id: 'm-1', text: '', attachments: [a1, a2], state: 'sent', message_id: 7 }]);
    s = chatReducer(s, { type: 'sent', client_id: 'm-1', message_id: 7 });
    expect(s.pending[0]?.attachments).toEqual([a1, a2]);

    // The stored message (with its images) takes its place.
    s = run([f('message', { message: msg(7, 'user', '', { client_id: 'm-1', attachments: [a1, a2] }) })], s);
    expect(s.pending).toEqual([]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', key: 'm7', text: '', attachments: [a1, a2] }]);
  });

  it('every send of a pending message carries the same client_id and attachment ids', () => {
    const s = run([
      { type: 'send', client_id: 'm-1', text: 'look', attachments: [a1] },
      { type: 'send', client_id: 'm-2', text: 'plain' },
      { type: 'send', client_id: 'm-3', text: 'done already', attachments: [a2] },
      { type: 'sent', client_id: 'm-3', message_id: 9 },
    ]);
    const [first, second] = s.pending;
    expect(userMessageFrame(CHAT, first!)).toEqual({
      type: 'user_message',
      chat_id: CHAT,
      text: 'look',
      client_id: 'm-1',
      attachments: ['a_0000000000000001'],
    });
    // Without images the field is left out (as nodes before attachments read the frame).
    expect(userMessageFrame(CHAT, second!)).toEqual({ type: 'user_message', chat_id: CHAT, text: 'plain', client_id: 'm-2' });
    // A reconnect sends again what is still sending (not what was stored: m-3), the same way.
    expect(resendFrames(s)).toEqual([userMessageFrame(CHAT, first!), userMessageFrame(CHAT, second!)]);
  });

  it("the node's refusal of an attachment fails the message, which keeps its images for a retry", () => {
    const err: ErrorFrame = { type: 'error', code: 'unknown_attachment', message: 'upload the image again', chat_id: CHAT };
    const s = run([{ type: 'send', client_id: 'm-1', text: 'x', attachments: [a1] }, { type: 'frame', frame: err }]);
    expect(s.pending[0]).toMatchObject({ state: 'failed', attachments: [a1], error: { code: 'unknown_attachment' } });
    expect(resendFrames(s)).toEqual([]);
  });

  it('stored messages without attachments (an older node) show none', () => {
    const s = run([{ type: 'loaded', chat: chatWith([msg(1, 'user', 'hi')]) }]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', attachments: [] }]);
  });

  it('the image a view_image call opened goes with its call', () => {
    const page = image('a_0000000000000003', 'out/page.png');
    const call = { id: 'call_2', name: 'view_image', arguments: '{"path":"out/page.png"}' };
    const s = run([
      snapshot(0),
      turnStart(1),
      f('message', { message: msg(2, 'assistant', '', { tool_calls: [call] }) }),
      f('tool_result', { call_id: 'call_2', name: 'view_image', turn: 1, outcome: 'ok', output: 'shown', exit_code: null, duration_ms: 4 }),
      f('message', {
        message: msg(3, 'tool', 'shown', { tool_call_id: 'call_2', tool_name: 'view_image', outcome: 'ok', attachments: [page] }),
      }),
    ]);
    const assistant = buildTranscript(s).find((i) => i.kind === 'assistant');
    expect(assistant).toMatchObject({ toolCalls: [{ call_id: 'call_2', state: 'done', attachments: [page] }] });
    // A call without an image has none.
    const plain = run([
      snapshot(0),
      f('message', { message: msg(2, 'assistant', '', { tool_calls: [{ ...call, name: 'run_command' }] }) }),
      f('message', { message: msg(3, 'tool', 'ok', { tool_call_id: 'call_2', outcome: 'ok', attachments: [] }) }),
    ]);
    const view = buildTranscript(plain).find((i) => i.kind === 'assistant');
    expect(view?.kind === 'assistant' && 'attachments' in view.toolCalls[0]!).toBe(false);
  });
});
