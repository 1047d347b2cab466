import { describe, expect, it } from 'vitest';
import type { ChatFrame, ChatWithMessages, ErrorFrame, Message, Usage } from './api';
import { buildTranscript, chatReducer, initialChatState, turnStatus, type ChatAction, type ChatState } from './chatState';

const CHAT = 'c1';
const usage: Usage = { prompt: 120, cache_hit: 100, cache_miss: 20, cache_write: 0, completion: 30, reasoning: 0 };

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

function chatWith(messages: Message[], status: 'idle' | 'running' = 'idle'): ChatWithMessages {
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

function subscribed(at: number, status: 'idle' | 'running' = 'idle'): ChatAction {
  seq = at;
  return { type: 'frame', frame: { type: 'subscribed', chat_id: CHAT, seq: at, status } };
}

describe('chatReducer: history', () => {
  it('loads messages in id order and the chat metadata', () => {
    const s = run([{ type: 'loaded', chat: chatWith([msg(2, 'assistant', 'b'), msg(1, 'user', 'a')]) }]);
    expect(s.load).toBe('loaded');
    expect(s.chat?.title).toBe('w');
    expect(s.messages.map((m) => m.id)).toEqual([1, 2]);
    expect(s.running).toBe(false);
  });

  it('takes the running status from the chat until frames say otherwise', () => {
    expect(run([{ type: 'loaded', chat: chatWith([], 'running') }]).running).toBe(true);
  });

  it('merges a load with live messages by id', () => {
    const s = run([
      subscribed(0),
      f('message', { message: msg(3, 'assistant', 'live') }),
      { type: 'loaded', chat: chatWith([msg(1, 'user', 'a'), msg(2, 'assistant', 'b')]) },
    ]);
    expect(s.messages.map((m) => m.id)).toEqual([1, 2, 3]);
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

describe('chatReducer: seq', () => {
  it('ignores frames with seq <= the last seen (duplicates)', () => {
    const s1 = run([subscribed(5), f('assistant_delta', { turn: 1, text: 'Hel' }, 6)]);
    const s2 = run([f('assistant_delta', { turn: 1, text: 'Hel' }, 6), f('assistant_delta', { turn: 1, text: 'XX' }, 3)], s1);
    expect(s2).toBe(s1);
    expect(s2.liveText).toBe('Hel');
    expect(s2.lastSeq).toBe(6);
    expect(s2.gap).toBe(false);
  });

  it('ignores frames at or before the subscribed seq', () => {
    const s = run([subscribed(10), f('message', { message: msg(1, 'user', 'old') }, 10)]);
    expect(s.messages).toEqual([]);
  });

  it('detects a gap, remembers it, and still applies the frame', () => {
    const s = run([subscribed(1), f('turn_start', { turn: 1 }, 2), f('assistant_delta', { turn: 1, text: 'lo' }, 5)]);
    expect(s.gap).toBe(true);
    expect(s.lastSeq).toBe(5);
    expect(s.liveText).toBe('lo');
    // Later in-order frames do not clear the gap; the page's reload does.
    const s2 = run([f('assistant_delta', { turn: 1, text: '!' }, 6)], s);
    expect(s2.gap).toBe(true);
    const s3 = run([{ type: 'reload_start' }], s2);
    expect(s3.gap).toBe(false);
    const s4 = run([{ type: 'loaded', chat: chatWith([msg(1, 'user', 'hi')], 'running'), reload: true }], s3);
    expect(s4.messages).toHaveLength(1);
    expect(s4.running).toBe(true);
  });

  it('a reload after a gap takes the node status (a missed turn_end)', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }, 1),
      f('assistant_delta', { turn: 1, text: 'partial' }, 2),
      f('message', { message: msg(2, 'assistant', 'all') }, 9),
      { type: 'reload_start' },
      { type: 'loaded', chat: chatWith([msg(1, 'user', 'q'), msg(2, 'assistant', 'all')], 'idle'), reload: true },
    ]);
    expect(s.running).toBe(false);
    expect(turnStatus(s)).not.toBe('running');
  });

  it('takes the first frame as the baseline when nothing was seen', () => {
    const s = run([f('ack', { client_id: 'x', message_id: 1 }, 40)]);
    expect(s.lastSeq).toBe(40);
    expect(s.gap).toBe(false);
  });

  it('subscribed: same seq is in sync, a higher or lower one is a gap', () => {
    const base = run([subscribed(3), f('turn_start', { turn: 1 }, 4)]);
    expect(run([subscribed(4, 'running')], base).gap).toBe(false);
    expect(run([subscribed(7, 'running')], base).gap).toBe(true);
    const reset = run([subscribed(1)], base);
    expect(reset.gap).toBe(true);
    expect(reset.lastSeq).toBe(1);
  });

  it('subscribed sets running from its status', () => {
    expect(run([subscribed(0, 'running')]).running).toBe(true);
    const s = run([subscribed(0, 'running'), f('assistant_delta', { turn: 2, text: 'x' }), subscribed(1, 'idle')]);
    expect(s.running).toBe(false);
    expect(s.liveText).toBe('');
  });

  it('the first subscription asks for a history reload (resync), later in-sync ones do not', () => {
    const first = run([subscribed(3)]);
    expect(first.resync).toBe(true);
    expect(first.gap).toBe(false);
    const reloaded = run([{ type: 'reload_start' }], first);
    expect(reloaded.resync).toBe(false);
    expect(run([subscribed(3)], reloaded).resync).toBe(false);
    expect(run([subscribed(5)], reloaded)).toMatchObject({ gap: true, resync: true });
  });

  it('a gap also asks for a reload, and reload_start clears both', () => {
    const s = run([subscribed(1), { type: 'reload_start' }, f('turn_start', { turn: 1 }, 4)]);
    expect(s).toMatchObject({ gap: true, resync: true });
    expect(run([{ type: 'reload_start' }], s)).toMatchObject({ gap: false, resync: false });
  });

  it('trace frames count in the seq (no gap) and change nothing else', () => {
    const s = run([subscribed(1), { type: 'reload_start' }, f('turn_start', { turn: 1 })]);
    const trace = { id: 't1', turn: 1, tool: 'read_file', call_id: 'call_1', input: {}, started_at: '2026-11-24T08:00:00.000001Z' };
    const s2 = run([f('tool_trace_start', trace), f('model_trace_finish', { id: 't0', turn: 1 }), f('assistant_delta', { turn: 1, text: 'hi' })], s);
    expect(s2).toMatchObject({ gap: false, resync: false, lastSeq: 5, liveText: 'hi', toolCalls: {} });
  });

  it('ignores frames of other chats', () => {
    const s = initialChatState(CHAT);
    const other: ChatAction = { type: 'frame', frame: { type: 'turn_start', chat_id: 'c2', seq: 1, turn: 1 } };
    expect(chatReducer(s, other)).toBe(s);
  });
});

describe('chatReducer: streaming a turn', () => {
  it('accumulates assistant and reasoning deltas of the turn in progress', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }),
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
      subscribed(0),
      f('assistant_delta', { turn: 1, text: 'old' }),
      f('assistant_delta', { turn: 2, text: 'new' }),
    ]);
    expect(s.liveTurn).toBe(2);
    expect(s.liveText).toBe('new');
  });

  it('the stored assistant message replaces the streamed text', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }),
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
      subscribed(0),
      f('turn_start', { turn: 1 }),
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
      subscribed(0),
      f('turn_start', { turn: 1 }),
      f('tool_call', { turn: 1, call_id: 'k1', name: 'write_file', arguments: '{"path":"a"}' }),
    ]);
    const live = buildTranscript(s).find((i) => i.kind === 'live');
    expect(live).toMatchObject({ toolCalls: [{ call_id: 'k1', name: 'write_file', state: 'running' }] });
  });

  it('a tool result that arrives as a stored message finishes a running call', () => {
    const s = run([
      subscribed(0),
      f('tool_call', { turn: 1, call_id: 'k1', name: 'read_file', arguments: '{}' }),
      f('message', { message: msg(3, 'tool', 'boom', { tool_call_id: 'k1', outcome: 'error', exit_code: null, duration_ms: 5 }) }),
    ]);
    expect(s.toolCalls.k1).toMatchObject({ state: 'done', outcome: 'error', output: 'boom', duration_ms: 5 });
  });

  it('turn_end records outcome and usage and stops running', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }),
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
      subscribed(0),
      f('turn_start', { turn: 1 }),
      f('assistant_delta', { turn: 1, text: 'I was say' }),
      f('turn_end', { turn: 1, outcome: 'cancelled', usage }),
    ]);
    expect(s.turns[1]).toMatchObject({ state: 'cancelled', partialText: 'I was say' });
    expect(turnStatus(s)).toBe('cancelled');
  });

  it('a running tool call of a turn that ended without its result is shown as lost', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }),
      f('message', { message: msg(2, 'assistant', '', { tool_calls: [{ id: 'k', name: 'run_command', arguments: '{}' }] }) }),
      f('tool_call', { turn: 1, call_id: 'k', name: 'run_command', arguments: '{}' }),
      f('turn_end', { turn: 1, outcome: 'cancelled', usage }),
    ]);
    expect(buildTranscript(s).find((i) => i.kind === 'assistant')).toMatchObject({ toolCalls: [{ state: 'lost' }] });
  });

  it('error frames are kept with their turn and shown inline; turn_end error shown once', () => {
    const s = run([
      subscribed(0),
      f('turn_start', { turn: 1 }),
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

  it('orders the transcript: history, turn footers, live turn, pending messages', () => {
    const s = run([
      { type: 'loaded', chat: chatWith([msg(1, 'user', 'first'), msg(2, 'assistant', 'one')]) },
      subscribed(0),
      f('turn_end', { turn: 1, outcome: 'completed', usage }),
      f('message', { message: msg(3, 'user', 'second', { turn: 2 }) }),
      f('turn_start', { turn: 2 }),
      f('assistant_delta', { turn: 2, text: 'stream' }),
      { type: 'send', client_id: 'm-9', text: 'third' },
    ]);
    expect(buildTranscript(s).map((i) => i.kind + ':' + ('text' in i ? i.text : ''))).toEqual([
      'user:first',
      'assistant:',
      'turn_end:',
      'user:second',
      'live:stream',
      'user:third',
    ]);
  });
});

describe('chatReducer: frames as the node sends them', () => {
  it('handles the user message with turn null, then the same message with its turn after a reload', () => {
    let s = run([
      subscribed(0),
      { type: 'send', client_id: 'm-1', text: 'hi' },
      f('message', { message: msg(1, 'user', 'hi', { client_id: 'm-1', turn: null }) }),
      f('ack', { client_id: 'm-1', message_id: 1 }),
      f('turn_start', { turn: 1 }),
      f('message', { message: msg(2, 'assistant', 'Hello') }),
      f('turn_end', { turn: 1, outcome: 'completed', usage }),
    ]);
    expect(s.pending).toEqual([]);
    expect(buildTranscript(s).map((i) => i.kind)).toEqual(['user', 'assistant', 'turn_end']);
    s = run([{ type: 'loaded', chat: chatWith([msg(1, 'user', 'hi', { client_id: 'm-1' }), msg(2, 'assistant', 'Hello')]) }], s);
    expect(s.messages[0]?.turn).toBe(1);
    expect(buildTranscript(s).map((i) => i.kind)).toEqual(['user', 'assistant', 'turn_end']);
  });
});

describe('chatReducer: optimistic user messages', () => {
  it('shows the message at once and replaces it when ack and message arrive', () => {
    let s = run([subscribed(0), { type: 'send', client_id: 'm-1', text: 'hello' }]);
    expect(s.pending).toEqual([{ client_id: 'm-1', text: 'hello', state: 'sending' }]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', text: 'hello', pending: { state: 'sending' } }]);

    s = run([f('ack', { client_id: 'm-1', message_id: 7 })], s);
    expect(s.pending).toEqual([{ client_id: 'm-1', text: 'hello', state: 'sent', message_id: 7 }]);

    s = run([f('message', { message: msg(7, 'user', 'hello', { client_id: 'm-1' }) })], s);
    expect(s.pending).toEqual([]);
    expect(buildTranscript(s)).toMatchObject([{ kind: 'user', text: 'hello', key: 'm7' }]);
  });

  it('a message echoed before the ack settles it too', () => {
    const s = run([
      subscribed(0),
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
    expect(s.pending[0]).toEqual({ client_id: 'm-3', text: 'x', state: 'sending' });
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
