/// <reference types="node" />
// The page against the node's contract fixtures (tests/contract/, written by the node's
// protocol module in tests/runtime/protocol_contract_test.cpp): every frame and REST record the
// node writes is parsed with the page's real parsers, the fields the page reads must hold what
// the node wrote, and the page knows exactly the node's states and frame types. A frame, field
// or state changed on one side only fails here or there.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { approvalAnswerFrame } from './approvalState';
import { initialChatState, subscribeFrame } from './chatState';
import { parseErrorBody } from './http';
import { forgetNotedNewer, isObject, notedNewer } from './protocol/fields';
import { parseServerFrame, type ClientFrame } from './protocol/frames';
import { parseApprovalAnswer, parseApprovalList } from './protocol/permissions';
import {
  parseAttachment,
  parseChat,
  parseChatList,
  parseChatWithMessages,
  parseHealth,
  parseMe,
  parseMessage,
  parseRestartResult,
  parseSendResult,
  parseTimeline,
} from './protocol/rest';
import {
  ACTOR_KINDS,
  CHAT_STATUSES,
  CLIENT_FRAME_TYPES,
  DECISIONS,
  PERMISSION_MODES,
  ROLES,
  SERVER_FRAME_TYPES,
  SESSION_FAILURES,
  SESSION_STATUSES,
  TASK_STATES,
  CACHE_STATUSES,
  CACHE_MODES,
  TOOL_OUTCOMES,
  TRACE_KINDS,
  TURN_OUTCOMES,
  USER_ROLES,
} from './protocol/states';
import { parseStopped, parseTask, parseTaskList } from './protocol/tasks';
import { parseTrace, parseTracePage } from './protocol/traces';
import { parseUsageSummary } from './protocol/usage';
import { parseCancelled, parseWorkflowList, parseWorkflowRun } from './protocol/workflows';

const contractDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/contract');

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(path.join(contractDir, ...parts), 'utf8')) as unknown;
}

/** The fixture files of a folder: name (without .json) -> its samples. */
function samples(dir: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const file of readdirSync(path.join(contractDir, dir)).sort()) {
    if (!file.endsWith('.json')) continue;
    const list = readJson(dir, file);
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${dir}/${file}: expected a non-empty array`);
    out.set(file.slice(0, -'.json'.length), list);
  }
  return out;
}

/**
 * Every field the page read holds what the node wrote. Fields the node left out (optional ones
 * read with a default) are skipped; two readings are allowed: "" read as null, and a string
 * `error` read as {code: 'error', message}.
 */
function expectReadAsWritten(read: unknown, written: unknown, where: string): void {
  if (written === '' && read === null) return;
  if (typeof written === 'string' && isObject(read) && read.message === written) return;
  if (Array.isArray(read)) {
    expect(Array.isArray(written), where).toBe(true);
    const w = written as unknown[];
    expect(read.length, where).toBe(w.length);
    read.forEach((item, i) => expectReadAsWritten(item, w[i], `${where}[${i}]`));
    return;
  }
  if (isObject(read)) {
    expect(isObject(written), where).toBe(true);
    const w = written as Record<string, unknown>;
    for (const [key, value] of Object.entries(read)) {
      if (key in w) expectReadAsWritten(value, w[key], `${where}.${key}`);
    }
    return;
  }
  expect(read, where).toEqual(written);
}

/** The page's lists of the node's states, by the key tests/contract/states.json gives them. */
const PAGE_STATES: Record<string, readonly string[]> = {
  chat_status: CHAT_STATUSES,
  session_status: SESSION_STATUSES,
  turn_outcome: TURN_OUTCOMES,
  tool_outcome: TOOL_OUTCOMES,
  trace_kind: TRACE_KINDS,
  user_role: USER_ROLES,
  actor_kind: ACTOR_KINDS,
  message_role: ROLES,
  session_failure: SESSION_FAILURES,
  frame_type: SERVER_FRAME_TYPES,
  client_frame_type: CLIENT_FRAME_TYPES,
  permission_mode: PERMISSION_MODES,
  decision: DECISIONS,
  task_state: TASK_STATES,
  cache_status: CACHE_STATUSES,
  cache_mode: CACHE_MODES,
};

/** States of the node the page never reads: the admin port's, and error codes shown as text. */
const NOT_READ = ['actor_state', 'turn_error'];

/** The page's reader of each REST record. */
const REST_PARSERS: Record<string, (data: unknown) => unknown> = {
  health: parseHealth,
  me: parseMe,
  chat: parseChat,
  chat_list: (data) => ({ items: parseChatList(data) }),
  chat_view: parseChatWithMessages,
  message: parseMessage,
  attachment: parseAttachment,
  timeline: (data) => ({ turns: parseTimeline(data) }),
  posted: parseSendResult,
  restarted: parseRestartResult,
  error: parseErrorBody,
  trace: parseTrace,
  trace_page: parseTracePage,
  usage_summary: parseUsageSummary,
  approval_list: (data) => ({ items: parseApprovalList(data) }),
  approval_answer: parseApprovalAnswer,
  task: parseTask,
  task_list: parseTaskList,
  stopped: (data) => ({ stopped: parseStopped(data) }),
  workflow_run: parseWorkflowRun,
  workflow_list: parseWorkflowList,
  cancelled: (data) => ({ cancelled: parseCancelled(data) }),
};

let info: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  forgetNotedNewer();
  info = vi.spyOn(console, 'info');
});
afterEach(() => {
  // Nothing the node writes is new to this page.
  expect(notedNewer()).toEqual([]);
  expect(info).not.toHaveBeenCalled();
  info.mockRestore();
});

describe('contract: states', () => {
  const states = readJson('states.json') as Record<string, string[]>;

  it.each(Object.keys(PAGE_STATES))('the page knows every %s of the node, and no other', (key) => {
    expect(states[key], `tests/contract/states.json has no ${key}`).toBeDefined();
    expect([...(PAGE_STATES[key] ?? [])]).toEqual(states[key]);
  });

  it('every state of the node is known to the page or listed as not read', () => {
    expect(Object.keys(states).sort()).toEqual([...Object.keys(PAGE_STATES), ...NOT_READ].sort());
  });
});

describe('contract: frames', () => {
  const frames = samples('frames');

  it('there is a fixture for every frame type the page knows, and the page knows every one', () => {
    expect([...frames.keys()].sort()).toEqual([...SERVER_FRAME_TYPES].sort());
  });

  it.each([...frames.keys()])('the page reads every %s the node writes', (type) => {
    for (const [i, sample] of (frames.get(type) ?? []).entries()) {
      const frame = parseServerFrame(JSON.stringify(sample));
      expect(frame.type, `${type}[${i}]`).toBe(type);
      expectReadAsWritten(frame, sample, `${type}[${i}]`);
    }
  });
});

describe('contract: REST records', () => {
  const records = samples('rest');

  it('the page reads every record the node writes, and no other', () => {
    expect([...records.keys()].sort()).toEqual(Object.keys(REST_PARSERS).sort());
  });

  it.each([...records.keys()])('the page reads every %s the node writes', (name) => {
    const parse = REST_PARSERS[name];
    expect(parse, `no reader for ${name}`).toBeDefined();
    for (const [i, sample] of (records.get(name) ?? []).entries()) {
      expectReadAsWritten(parse!(sample), sample, `${name}[${i}]`);
    }
  });

  it("the page reads a message's images (a user message's, a view_image call's)", () => {
    // expectReadAsWritten compares only what the page read: this one fails if it reads none.
    const written = (records.get('message') ?? []) as Record<string, unknown>[];
    const withImages = written.filter((m) => Array.isArray(m.attachments) && m.attachments.length > 0);
    expect(new Set(withImages.map((m) => m.role))).toEqual(new Set(['tool', 'user']));
    for (const m of written) {
      if (m.attachments !== undefined) expect(parseMessage(m).attachments).toEqual(m.attachments);
    }
  });

  it('a chat view of every status reads as that status', () => {
    const views = (records.get('chat_view') ?? []).map(parseChatWithMessages);
    expect(views.map((v) => v.status)).toEqual([...CHAT_STATUSES]);
  });
});

describe('contract: client frames', () => {
  const client = samples('client');
  /** What the page sends, built the way the page builds it. */
  const state = { ...initialChatState('c_9f3e0a12b4de5678'), lastSeq: 40, epoch: 3 };
  const pageFrames: ClientFrame[] = [
    { type: 'ping' },
    subscribeFrame(initialChatState('c_9f3e0a12b4de5678')),
    subscribeFrame(state),
    { type: 'unsubscribe', chat_id: 'c_9f3e0a12b4de5678' },
    { type: 'user_message', chat_id: 'c_9f3e0a12b4de5678', text: 'Make the tests pass.', client_id: 'k-51c3' },
    { type: 'cancel', chat_id: 'c_9f3e0a12b4de5678' },
    approvalAnswerFrame('c_9f3e0a12b4de5678', 'ap_5_tool_1_0', 'allow', '  '),
    approvalAnswerFrame('c_9f3e0a12b4de5678', 'ap_5_tool_1_0', 'deny', 'not on main'),
  ];

  it('the node reads the frame types the page sends, and no other', () => {
    expect([...client.keys()].sort()).toEqual([...CLIENT_FRAME_TYPES].sort());
    expect([...new Set(pageFrames.map((f) => f.type))].sort()).toEqual([...CLIENT_FRAME_TYPES].sort());
  });

  it.each(pageFrames.map((f) => [f.type + ' ' + Object.keys(f).join(','), f] as const))(
    'the page sends %s as the node reads it',
    (_name, frame) => {
      const written = (client.get(frame.type) ?? []) as Record<string, unknown>[];
      // A sample of the node with the same fields, and the same values where both are fixed.
      const match = written.find((w) => Object.keys(w).sort().join() === Object.keys(frame).sort().join());
      expect(match, `the node reads no ${frame.type} with fields ${Object.keys(frame).join(', ')}`).toBeDefined();
      expectReadAsWritten(frame, match, frame.type);
    },
  );
});
