// Workflows as the chat shows them (plain functions; the hook is useWorkflows.ts): the `/name
// args…` command of the composer and its completion, the args it gives the script, and a run's
// steps and log lines grouped by phase for the Workflows panel's tree.

import type { WorkflowInfo, WorkflowLog, WorkflowRun, WorkflowStep } from './protocol/workflows';

/** The name being typed after `/` (the whole text so far is `/prefix`), or null. */
export function slashPrefix(text: string): string | null {
  const m = /^\/([A-Za-z0-9_.-]*)$/.exec(text);
  return m ? m[1]! : null;
}

/** The runnable workflows to offer for `prefix`: names that start with it, then names that hold it. */
export function matchWorkflows(items: WorkflowInfo[], prefix: string): WorkflowInfo[] {
  const p = prefix.toLowerCase();
  const runnable = items.filter((w) => w.problem === null);
  const starts = runnable.filter((w) => w.name.toLowerCase().startsWith(p));
  const holds = runnable.filter((w) => !w.name.toLowerCase().startsWith(p) && w.name.toLowerCase().includes(p));
  return [...starts, ...holds];
}

/** What the composer's text asks for: a message to send, or a workflow to start. */
export type ComposerCommand =
  | { kind: 'message'; text: string }
  | { kind: 'workflow'; name: string; argsText: string; noCache: boolean };

/** `/name args…` starts a workflow; `//…` sends a message that starts with `/`; anything else is a message. */
export function readCommand(text: string): ComposerCommand {
  if (text.startsWith('//')) return { kind: 'message', text: text.slice(1) };
  const m = /^\/([A-Za-z0-9_.-]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return { kind: 'message', text };
  // `--no-cache` (first among the args) runs every step again.
  const rest = (m[2] ?? '').trim();
  const noCache = /^--no-cache(\s|$)/.test(rest);
  return { kind: 'workflow', name: m[1]!, argsText: noCache ? rest.slice('--no-cache'.length).trim() : rest, noCache };
}

/** The names meta.args documents (its keys, or a JSON Schema's properties), in order. */
export function argNames(info: WorkflowInfo): string[] {
  const a = info.args;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return [];
  const obj = a as Record<string, unknown>;
  if (typeof obj.type === 'string') {
    // A JSON Schema: its properties, if it is an object's.
    const props = obj.properties;
    return typeof props === 'object' && props !== null && !Array.isArray(props) ? Object.keys(props) : [];
  }
  return Object.keys(obj);
}

export type ArgsResult = { ok: true; args: unknown } | { ok: false; error: string };

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The args a command's text gives the script:
 * - nothing: no args (the script sees null);
 * - a JSON object (`{"base": "main"}`): that object;
 * - `key=value` words (`base=main focus="error paths"`): an object; a value that reads as JSON
 *   (a number, true, an array) is that value, else its text;
 * - other text: the value of the workflow's first documented arg (`/deep-research why is X
 *   slow` gives {question: "why is X slow"}), or the text itself when it documents none.
 */
export function commandArgs(argsText: string, info: WorkflowInfo): ArgsResult {
  const text = argsText.trim();
  if (text === '') return { ok: true, args: undefined };
  if (text.startsWith('{')) {
    const v = parseValue(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'The args are not a JSON object.' };
    return { ok: true, args: v };
  }
  if (/^[A-Za-z_][\w-]*=/.test(text)) {
    const args: Record<string, unknown> = {};
    const word = /([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|\S*)\s*/gy;
    let at = 0;
    for (let m = word.exec(text); m; m = word.exec(text)) {
      args[m[1]!] = parseValue(m[2]!);
      at = word.lastIndex;
    }
    if (at < text.length) return { ok: false, error: `Cannot read the args from "${text.slice(at)}": write key=value words, or a JSON object.` };
    return { ok: true, args };
  }
  const [first] = argNames(info);
  return { ok: true, args: first !== undefined ? { [first]: text } : text };
}

/** A phase of a run's tree: its steps and log lines, in the order they came. */
export interface PhaseGroup {
  /** null: before the script's first phase(). */
  title: string | null;
  steps: WorkflowStep[];
  logs: WorkflowLog[];
}

/** The run's steps and log lines under their phases, in the order the script entered them. */
export function phaseGroups(run: WorkflowRun): PhaseGroup[] {
  const groups = new Map<string | null, PhaseGroup>();
  const group = (title: string | null) => {
    let g = groups.get(title);
    if (!g) {
      g = { title, steps: [], logs: [] };
      groups.set(title, g);
    }
    return g;
  };
  if (run.steps.some((s) => s.phase === null) || run.logs.some((l) => l.phase === null)) group(null);
  for (const title of run.phases) group(title);
  for (const s of run.steps) group(s.phase).steps.push(s);
  for (const l of run.logs) group(l.phase).logs.push(l);
  return [...groups.values()];
}

/** The run's answer as the panel shows it: text as is, anything else as JSON. */
export function resultText(result: unknown): string {
  if (result === null || result === undefined) return '';
  return typeof result === 'string' ? result : JSON.stringify(result, null, 2);
}
