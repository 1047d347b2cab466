// Permissions and approvals on the wire: the chat record's new fields, the approval_* frames, a
// full snapshot's approvals, and the REST calls that read and answer approvals or change a
// chat's permissions.
import { describe, expect, it, vi } from 'vitest';
import { ApiError, errorInfo } from './http';
import { ProtocolError, forgetNotedNewer, notedNewer } from './protocol/fields';
import { isChatFrame, parseServerFrame } from './protocol/frames';
import { describeRule, parseApprovalAnswer, parseApprovalList } from './protocol/permissions';
import { parseChat } from './protocol/rest';
import { answerApproval, createChat, listApprovals, updateChat } from './chat-api';

const base = { chat_id: 'c1', seq: 7 };
const request = {
  turn: 2,
  id: 'ap_2_tool_1_0',
  call_id: 'call_4',
  tool: 'run_command',
  arguments: '{"argv":["npm","test"]}',
  reason: "the chat's permission mode is ask: commands wait for a decision",
};
const chat = {
  id: 'c1',
  workspace: '/w',
  title: 'w',
  build_command: null,
  created_at: '2026-11-24T06:10:00Z',
  archived: false,
  status: 'idle',
  permission_mode: 'ask',
  allow_rules: [{ argv_prefix: ['npm', 'test'] }, { path_glob: 'src/*' }],
  network: false,
  pending_approvals: 2,
};

function respond(status: number, body: unknown) {
  return vi.fn<typeof fetch>(async () => new Response(JSON.stringify(body), { status }));
}

describe('chat record: permissions', () => {
  it('reads the mode, the allow rules, network and the approvals waiting', () => {
    expect(parseChat(chat)).toEqual(chat);
  });

  it('leaves them undefined for a node before permissions', () => {
    const { permission_mode: _m, allow_rules: _r, network: _n, pending_approvals: _p, ...old } = chat;
    const read = parseChat(old);
    expect(read.permission_mode).toBeUndefined();
    expect(read.allow_rules).toBeUndefined();
    expect(read.pending_approvals).toBeUndefined();
  });

  it("keeps a newer node's mode as it is, noting it once", () => {
    forgetNotedNewer();
    const spy = vi.spyOn(console, 'info').mockImplementation(() => {});
    expect(parseChat({ ...chat, permission_mode: 'plan' }).permission_mode).toBe('plan');
    expect(notedNewer()).toEqual(['permission mode plan']);
    spy.mockRestore();
  });

  it.each([
    ['a rule that is neither', { allow_rules: [{ argv: ['ls'] }] }],
    ['an empty argv_prefix', { allow_rules: [{ argv_prefix: [] }] }],
    ['allow_rules not an array', { allow_rules: 'src/*' }],
    ['a string network', { network: 'no' }],
    ['a negative count', { pending_approvals: -1 }],
  ])('rejects %s', (_n, fields) => {
    expect(() => parseChat({ ...chat, ...fields })).toThrow(ProtocolError);
  });

  it('describes a rule in words', () => {
    expect(describeRule({ argv_prefix: ['npm', 'test'] })).toBe('npm test …');
    expect(describeRule({ path_glob: 'src/*' })).toBe('src/*');
  });
});

describe('approval frames', () => {
  it('reads approval_request and approval_resolved as chat frames', () => {
    const req = parseServerFrame(JSON.stringify({ type: 'approval_request', ...base, ...request }));
    expect(req).toEqual({ type: 'approval_request', ...base, ...request });
    expect(isChatFrame(req)).toBe(true);
    const resolved = { type: 'approval_resolved', ...base, seq: 8, id: request.id, decision: 'deny', note: 'not now', user: 'bob' };
    expect(parseServerFrame(JSON.stringify(resolved))).toEqual(resolved);
  });

  it('re-encodes arguments sent as an object', () => {
    const req = parseServerFrame(JSON.stringify({ type: 'approval_request', ...base, ...request, arguments: { argv: ['ls'] } }));
    expect(req).toMatchObject({ arguments: '{"argv":["ls"]}' });
  });

  it.each([
    ['a request without id', { type: 'approval_request', ...base, ...request, id: '' }],
    ['a request without reason', { type: 'approval_request', ...base, ...request, reason: undefined }],
    ['a request without call_id', { type: 'approval_request', ...base, ...request, call_id: undefined }],
    ['a resolution without decision', { type: 'approval_resolved', ...base, id: 'a', note: '', user: 'u' }],
    ['a resolution without note', { type: 'approval_resolved', ...base, id: 'a', decision: 'allow', user: 'u' }],
  ])('rejects %s', (_n, frame) => {
    expect(() => parseServerFrame(JSON.stringify(frame))).toThrow(ProtocolError);
  });

  it("a full snapshot's turn carries the approvals no one answered (their turn the snapshot's when absent)", () => {
    const { turn: _t, ...noTurn } = request;
    const snap = (approvals: unknown) =>
      parseServerFrame(
        JSON.stringify({
          type: 'snapshot',
          ...base,
          epoch: 1,
          status: 'running',
          resumed: false,
          messages: [],
          turn: { number: 3, text: '', reasoning: '', running_tools: [], approvals },
          usage: { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 },
        }),
      );
    expect(snap([noTurn])).toMatchObject({ turn: { approvals: [{ ...noTurn, turn: 3 }] } });
    const none = snap([]);
    expect(none.type === 'snapshot' && !none.resumed && none.turn && 'approvals' in none.turn).toBe(false);
    expect(() => snap([{ id: 'x' }])).toThrow(ProtocolError);
    expect(() => snap('all')).toThrow(ProtocolError);
  });
});

describe('approval and permission REST calls', () => {
  it('parses the approval list and the stored answer', () => {
    expect(parseApprovalList({ items: [request] })).toEqual([request]);
    expect(parseApprovalList({ items: [] })).toEqual([]);
    expect(() => parseApprovalList([request])).toThrow(ProtocolError);
    const answer = { id: request.id, decision: 'allow_always', note: '', user: 'ada' };
    expect(parseApprovalAnswer(answer)).toEqual(answer);
    expect(() => parseApprovalAnswer({ ...answer, user: 3 })).toThrow(ProtocolError);
  });

  it('listApprovals GETs the chat approvals', async () => {
    const f = respond(200, { items: [request] });
    await expect(listApprovals('c/1', { fetchImpl: f })).resolves.toEqual([request]);
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c%2F1/approvals');
  });

  it('answerApproval POSTs the decision, with a note only when there is one', async () => {
    const f = respond(200, { id: request.id, decision: 'deny', note: 'not now', user: 'bob' });
    await expect(answerApproval('c1', request.id, 'deny', 'not now', { fetchImpl: f })).resolves.toMatchObject({ decision: 'deny' });
    expect(f.mock.calls[0]?.[0]).toBe(`/api/chats/c1/approvals/${request.id}`);
    expect(f.mock.calls[0]?.[1]?.method).toBe('POST');
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ decision: 'deny', note: 'not now' });
    const g = respond(200, { id: request.id, decision: 'allow', note: '', user: 'bob' });
    await answerApproval('c1', request.id, 'allow', ' ', { fetchImpl: g });
    expect(JSON.parse(String(g.mock.calls[0]?.[1]?.body))).toEqual({ decision: 'allow' });
  });

  it("answerApproval surfaces the node's 409 already_answered and 404 not_found", async () => {
    for (const [status, code] of [
      [409, 'already_answered'],
      [404, 'not_found'],
    ] as const) {
      const f = respond(status, { error: { code, message: `approval ${code}` } });
      const err = await answerApproval('c1', 'x', 'allow', undefined, { fetchImpl: f }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(errorInfo(err)).toEqual({ code, message: `approval ${code}` });
    }
  });

  it('updateChat PATCHes the fields given and reads the chat back', async () => {
    const f = respond(200, { ...chat, permission_mode: 'auto-edit', network: true });
    await expect(updateChat('c1', { permission_mode: 'auto-edit', network: true }, { fetchImpl: f })).resolves.toMatchObject({
      permission_mode: 'auto-edit',
      network: true,
    });
    expect(f.mock.calls[0]?.[0]).toBe('/api/chats/c1');
    expect(f.mock.calls[0]?.[1]?.method).toBe('PATCH');
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ permission_mode: 'auto-edit', network: true });
  });

  it('createChat sends the permission mode and network only when chosen', async () => {
    const f = respond(201, chat);
    await createChat({ workspace: '/w', permission_mode: 'ask', network: true }, { fetchImpl: f });
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toEqual({ workspace: '/w', permission_mode: 'ask', network: true });
    const g = respond(201, chat);
    await createChat({ workspace: '/w' }, { fetchImpl: g });
    expect(JSON.parse(String(g.mock.calls[0]?.[1]?.body))).toEqual({ workspace: '/w' });
  });
});
