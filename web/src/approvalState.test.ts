// The open chat's approvals in the reducer: what waits, what this page answered, and where the
// cards go in the transcript.
import { describe, expect, it } from 'vitest';
import { approvalAnswerFrame } from './approvalState';
import { buildTranscript, chatReducer, initialChatState, type ChatAction, type ChatState } from './chatState';
import type { ChatFrame } from './protocol/frames';
import type { ApprovalRequest } from './protocol/permissions';
import type { Message, Usage } from './protocol/rest';

const CHAT = 'c1';
const zero: Usage = { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 };

/** The seq of a frame `run` numbers: the one after the last applied. */
const NEXT = -1;

/** A chat frame; `run` gives it its seq. */
function f(type: ChatFrame['type'], fields: Record<string, unknown> = {}): ChatAction {
  return { type: 'frame', frame: { type, chat_id: CHAT, seq: NEXT, ...fields } as unknown as ChatFrame };
}

function run(actions: ChatAction[], start: ChatState = initialChatState(CHAT)): ChatState {
  return actions.reduce((state, action) => {
    if (action.type === 'frame' && 'seq' in action.frame && action.frame.seq === NEXT) {
      return chatReducer(state, { type: 'frame', frame: { ...action.frame, seq: (state.lastSeq ?? 0) + 1 } as ChatFrame });
    }
    return chatReducer(state, action);
  }, start);
}

function approval(n: number, extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    turn: 1,
    id: `ap_1_tool_${n}_0`,
    call_id: `call_${n}`,
    tool: 'run_command',
    arguments: `{"argv":["echo","${n}"]}`,
    reason: "the chat's permission mode is ask: commands wait for a decision",
    ...extra,
  };
}

const request = (a: ApprovalRequest) => f('approval_request', { ...a });
const resolved = (id: string, decision = 'allow') => f('approval_resolved', { id, decision, note: '', user: 'ada' });

/** A full snapshot of turn 1 running, with these approvals waiting. */
function snapshot(approvals: ApprovalRequest[], messages: Message[] = []): ChatAction {
  return {
    type: 'frame',
    frame: {
      type: 'snapshot',
      chat_id: CHAT,
      seq: 20,
      epoch: 1,
      status: 'running',
      resumed: false,
      messages,
      turn: { number: 1, text: '', reasoning: '', running_tools: [], ...(approvals.length ? { approvals } : {}) },
      usage: zero,
    },
  };
}

/** Turn 1 started and runs. */
function started(): ChatState {
  return run([snapshot([]), f('turn_start', { turn: 1, user_message_ids: [], resumed: false })]);
}

describe('chatReducer: approvals', () => {
  it('keeps each approval_request once, in order; a request with the same id replaces the one we had', () => {
    let s = run([request(approval(1)), request(approval(2))], started());
    expect(s.approvals.map((a) => a.id)).toEqual(['ap_1_tool_1_0', 'ap_1_tool_2_0']);
    s = run([request(approval(1, { reason: 'asked again' }))], s);
    expect(s.approvals.map((a) => [a.id, a.reason])).toEqual([
      ['ap_1_tool_1_0', 'asked again'],
      ['ap_1_tool_2_0', approval(2).reason],
    ]);
  });

  it('approval_resolved removes the approval (whoever answered) and our answer to it', () => {
    let s = run([request(approval(1)), request(approval(2))], started());
    s = run([{ type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' }], s);
    expect(s.answers['ap_1_tool_1_0']).toMatchObject({ decision: 'allow', state: 'sending' });
    s = run([resolved('ap_1_tool_1_0'), resolved('ap_1_tool_2_0', 'deny')], s);
    expect(s.approvals).toEqual([]);
    expect(s.answers).toEqual({});
  });

  it('a resolution of an approval we do not have changes nothing but the seq', () => {
    const s = run([request(approval(1))], started());
    const next = run([resolved('ap_other')], s);
    expect(next.approvals).toEqual(s.approvals);
    expect(next.lastSeq).toBe(s.lastSeq! + 1);
  });

  it('turn_end and the next turn_start clear what waited', () => {
    const s = run([request(approval(1)), { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'deny' }], started());
    const ended = run([f('turn_end', { turn: 1, outcome: 'cancelled', usage: zero })], s);
    expect(ended.approvals).toEqual([]);
    expect(ended.answers).toEqual({});
    const restarted = run([f('turn_start', { turn: 1, user_message_ids: [], resumed: true })], s);
    expect(restarted.approvals).toEqual([]);
    // The resumed turn asks again, with the same id.
    expect(run([request(approval(1))], restarted).approvals).toEqual([approval(1)]);
  });

  it('a full snapshot replaces them with its turn’s, keeping our answers to those still waiting', () => {
    let s = run([request(approval(1)), request(approval(2))], started());
    s = run(
      [
        { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' },
        { type: 'answer_approval', id: 'ap_1_tool_2_0', decision: 'allow' },
      ],
      s,
    );
    s = run([snapshot([approval(2), approval(3)])], s);
    expect(s.approvals.map((a) => a.id)).toEqual(['ap_1_tool_2_0', 'ap_1_tool_3_0']);
    expect(Object.keys(s.answers)).toEqual(['ap_1_tool_2_0']);
    // An idle chat waits for nothing.
    expect(run([snapshot([])], s).approvals).toEqual([]);
  });

  it('asked again while our answer was in flight: the answer did not reach the turn', () => {
    let s = run([request(approval(1)), { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' }], started());
    s = run([request(approval(1))], s);
    expect(s.answers).toEqual({});
  });

  it('a refusal of the node goes to the oldest answer in flight and is not shown as a chat error', () => {
    let s = run([request(approval(1)), request(approval(2))], started());
    s = run(
      [
        { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' },
        { type: 'answer_approval', id: 'ap_1_tool_2_0', decision: 'deny' },
        { type: 'frame', frame: { type: 'error', code: 'already_answered', message: 'approval ap_1_tool_1_0 was answered', chat_id: CHAT } },
      ],
      s,
    );
    expect(s.answers['ap_1_tool_1_0']).toMatchObject({
      state: 'failed',
      final: true,
      error: { code: 'already_answered', message: 'approval ap_1_tool_1_0 was answered' },
    });
    expect(s.answers['ap_1_tool_2_0']).toMatchObject({ state: 'sending' });
    expect(s.errors).toEqual([]);
    // bad_frame (a note too long, say) may be answered again.
    s = run([{ type: 'frame', frame: { type: 'error', code: 'bad_frame', message: 'note too long', chat_id: CHAT } }], s);
    expect(s.answers['ap_1_tool_2_0']).toMatchObject({ state: 'failed', error: { code: 'bad_frame' } });
    expect(s.answers['ap_1_tool_2_0']?.final).toBeUndefined();
  });

  it('without an answer in flight, an error frame is the chat’s as before', () => {
    const s = run(
      [request(approval(1)), { type: 'frame', frame: { type: 'error', code: 'not_found', message: 'no such chat', chat_id: CHAT } }],
      started(),
    );
    expect(s.errors.map((e) => e.code)).toEqual(['not_found']);
  });

  it('answer_failed (the POST failed) and a new connection let the card be answered again', () => {
    let s = run([request(approval(1)), request(approval(2))], started());
    s = run(
      [
        { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' },
        { type: 'answer_failed', id: 'ap_1_tool_1_0', error: { code: 'network', message: 'cannot reach the node' } },
        { type: 'answer_approval', id: 'ap_1_tool_2_0', decision: 'allow' },
        { type: 'reconnected' },
      ],
      s,
    );
    expect(s.answers).toEqual({ ap_1_tool_1_0: expect.objectContaining({ state: 'failed' }) });
  });
});

describe('transcript: approvals', () => {
  const args = '{"argv":["sh","-c","echo ran >> ran.txt"]}';
  const assistant: Message = {
    id: 2,
    role: 'assistant',
    content: 'Running it.',
    turn: 1,
    created_at: '2026-11-24T06:10:00Z',
    tool_calls: [{ id: 'call_1', name: 'run_command', arguments: args }],
  };

  it('shows a card per approval below the turn in progress, and marks its call as awaiting', () => {
    let s = run([f('message', { message: assistant }), f('tool_call', { turn: 1, call_id: 'call_1', name: 'run_command', arguments: args })], started());
    s = run([request(approval(1, { arguments: args })), { type: 'answer_approval', id: 'ap_1_tool_1_0', decision: 'allow' }], s);
    const items = buildTranscript(s);
    expect(items.map((i) => i.kind)).toEqual(['assistant', 'live', 'approval']);
    expect(items[1]).toMatchObject({ kind: 'live', awaiting: true });
    expect(items[2]).toMatchObject({ approval: { id: 'ap_1_tool_1_0' }, answer: { state: 'sending', decision: 'allow' } });
    expect(items[0]).toMatchObject({ toolCalls: [{ call_id: 'call_1', state: 'running', awaiting: true }] });

    s = run([resolved('ap_1_tool_1_0')], s);
    const after = buildTranscript(s);
    expect(after.map((i) => i.kind)).toEqual(['assistant', 'live']);
    expect(after[0]).toMatchObject({ toolCalls: [{ call_id: 'call_1', state: 'running' }] });
    expect(after[0]?.kind === 'assistant' && after[0].toolCalls[0]?.awaiting).toBeUndefined();
    expect(after[1]).toMatchObject({ awaiting: false });
  });
});

describe('approvalAnswerFrame', () => {
  it('sends the note only when there is one', () => {
    expect(approvalAnswerFrame('c1', 'a', 'allow')).toEqual({ type: 'approval_answer', chat_id: 'c1', id: 'a', decision: 'allow' });
    expect(approvalAnswerFrame('c1', 'a', 'deny', ' ')).toEqual({ type: 'approval_answer', chat_id: 'c1', id: 'a', decision: 'deny' });
    expect(approvalAnswerFrame('c1', 'a', 'deny', 'not on main')).toMatchObject({ note: 'not on main' });
  });
});
