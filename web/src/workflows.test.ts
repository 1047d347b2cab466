// The chat's `/name args…` command, its completion and args, and a run's tree by phase.
import { describe, expect, it } from 'vitest';
import type { WorkflowInfo, WorkflowRun, WorkflowStep } from './protocol/workflows';
import { argNames, commandArgs, matchWorkflows, phaseGroups, readCommand, resultText, slashPrefix } from './workflows';

function info(name: string, more: Partial<WorkflowInfo> = {}): WorkflowInfo {
  return {
    name,
    description: `does ${name}`,
    when_to_use: null,
    phases: [],
    args: null,
    origin: 'builtin',
    path: `builtin:${name}.js`,
    source: 'export const meta = {};',
    problem: null,
    ...more,
  };
}

function step(id: string, phase: string | null): WorkflowStep {
  return {
    id,
    kind: 'agent',
    path: `agent-${id}`,
    label: id,
    phase,
    state: 'completed',
    usage: { input: 1, cached: 0, output: 1, reasoning: 0 },
    cost_usd: 0,
    cache: { status: 'miss', reason: 'first run', saved_tokens: 0, source: null },
    cached: false,
    result: null,
    error: null,
    created_at: '2026-12-01T10:00:00.000Z',
    started_at: null,
    ended_at: null,
  };
}

describe('the /name command', () => {
  it('completes only while the name is typed', () => {
    expect(slashPrefix('/')).toBe('');
    expect(slashPrefix('/multi-re')).toBe('multi-re');
    expect(slashPrefix('/multi-review main')).toBeNull();
    expect(slashPrefix('hello /x')).toBeNull();
  });

  it('offers runnable names that start with the prefix first, then names holding it', () => {
    const items = [info('review-all'), info('multi-review'), info('broken', { problem: 'line 1' }), info('deep-research')];
    expect(matchWorkflows(items, 'rev').map((w) => w.name)).toEqual(['review-all', 'multi-review']);
    expect(matchWorkflows(items, '').map((w) => w.name)).toEqual(['review-all', 'multi-review', 'deep-research']);
    expect(matchWorkflows(items, 'BRO')).toEqual([]);
  });

  it('reads a workflow, a message, and // as a message that starts with /', () => {
    expect(readCommand('/multi-review base=main')).toEqual({ kind: 'workflow', name: 'multi-review', argsText: 'base=main', noCache: false });
    expect(readCommand('/deep-research\nwhy is it slow?\n')).toEqual({ kind: 'workflow', name: 'deep-research', argsText: 'why is it slow?', noCache: false });
    expect(readCommand('/x')).toEqual({ kind: 'workflow', name: 'x', argsText: '', noCache: false });
    // --no-cache runs every step again; it is not an arg.
    expect(readCommand('/x --no-cache base=main')).toEqual({ kind: 'workflow', name: 'x', argsText: 'base=main', noCache: true });
    expect(readCommand('/x --no-cache')).toEqual({ kind: 'workflow', name: 'x', argsText: '', noCache: true });
    expect(readCommand('/x --no-caches')).toEqual({ kind: 'workflow', name: 'x', argsText: '--no-caches', noCache: false });
    expect(readCommand('//etc/hosts is odd')).toEqual({ kind: 'message', text: '/etc/hosts is odd' });
    expect(readCommand('fix /etc')).toEqual({ kind: 'message', text: 'fix /etc' });
    expect(readCommand('/ not a name')).toEqual({ kind: 'message', text: '/ not a name' });
  });

  it('gives args from nothing, JSON, key=value words or free text', () => {
    const review = info('multi-review', { args: { base: 'what to diff against', focus: 'optional' } });
    expect(commandArgs('', review)).toEqual({ ok: true, args: undefined });
    expect(commandArgs('{"base": "main"}', review)).toEqual({ ok: true, args: { base: 'main' } });
    expect(commandArgs('base=main focus="error paths" n=3 tags=["a"]', review)).toEqual({
      ok: true,
      args: { base: 'main', focus: 'error paths', n: 3, tags: ['a'] },
    });
    expect(commandArgs('look at the parser', review)).toEqual({ ok: true, args: { base: 'look at the parser' } });
    expect(commandArgs('plain', info('none'))).toEqual({ ok: true, args: 'plain' });
    const bad = commandArgs('base=main and more', review);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/and more/);
    expect(commandArgs('{"base": ', review)).toEqual({ ok: false, error: 'The args are not a JSON object.' });
    expect(commandArgs('[1, 2]', review)).toEqual({ ok: true, args: { base: '[1, 2]' } });
  });

  it("names a JSON Schema's properties as the args", () => {
    const schema = info('s', { args: { type: 'object', properties: { question: { type: 'string' }, depth: { type: 'integer' } } } });
    expect(argNames(schema)).toEqual(['question', 'depth']);
    expect(commandArgs('why', schema)).toEqual({ ok: true, args: { question: 'why' } });
    expect(argNames(info('n', { args: 'a string' }))).toEqual([]);
    expect(argNames(info('t', { args: { type: 'string' } }))).toEqual([]);
    expect(argNames(info('o', { args: { type: 'object' } }))).toEqual([]);
    expect(commandArgs('free', info('t', { args: { type: 'string' } }))).toEqual({ ok: true, args: 'free' });
  });
});

describe("a run's tree", () => {
  const run: WorkflowRun = {
    id: 'w_1',
    name: 'pair',
    chat_id: 'c_1',
    parent_id: 'c_1',
    workspace: '/w',
    state: 'running',
    cache: 'on',
    cache_hits: 0,
    saved_tokens: 0,
    args: null,
    result: null,
    error: null,
    budget: null,
    usage: { input: 0, cached: 0, output: 0, reasoning: 0 },
    cost_usd: 0,
    phases: ['Scope', 'Explore'],
    steps: [step('s_0', null), step('s_2', 'Explore'), step('s_1', 'Scope'), step('s_3', 'Explore')],
    logs: [{ path: 'log-0', level: 'info', text: 'scoped', phase: 'Scope', at: '2026-12-01T10:00:00.000Z' }],
    created_at: '2026-12-01T10:00:00.000Z',
    started_at: null,
    ended_at: null,
  };

  it('groups steps and log lines under their phases, in the order the script entered them', () => {
    const groups = phaseGroups(run);
    expect(groups.map((g) => g.title)).toEqual([null, 'Scope', 'Explore']);
    expect(groups.map((g) => g.steps.map((s) => s.id))).toEqual([['s_0'], ['s_1'], ['s_2', 's_3']]);
    expect(groups[1]!.logs.map((l) => l.text)).toEqual(['scoped']);
  });

  it('has no phase-less group when everything is in a phase, and an empty phase still shows', () => {
    const groups = phaseGroups({ ...run, steps: [step('s_1', 'Scope')], logs: [] });
    expect(groups.map((g) => [g.title, g.steps.length])).toEqual([
      ['Scope', 1],
      ['Explore', 0],
    ]);
  });

  it('shows a result as text, or as JSON', () => {
    expect(resultText('done')).toBe('done');
    expect(resultText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(resultText(null)).toBe('');
  });
});
