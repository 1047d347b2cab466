// What an approval card shows of the call it asks about (pure, unit-tested): the command line
// of run_command, the lines write_file adds, the lines edit_file takes out and puts in; for
// anything else (another tool, arguments that are not what the tool takes) the arguments.

import { parseArguments, prettyArguments, shellQuote } from './format';

/** The most lines a preview shows; the rest is counted. */
export const PREVIEW_MAX_LINES = 200;

export interface DiffLine {
  sign: '+' | '-';
  text: string;
}

export type ApprovalPreview =
  | { kind: 'command'; command: string; timeout_s: number | null }
  | {
      kind: 'diff';
      path: string;
      lines: DiffLine[];
      /** Lines past PREVIEW_MAX_LINES, not shown. */
      hidden: number;
    }
  | { kind: 'raw'; text: string };

/** The lines of a file's text; a last newline ends a line rather than starting one. */
export function textLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diff(path: string, removed: string[], added: string[]): ApprovalPreview {
  const lines: DiffLine[] = [
    ...removed.map((text) => ({ sign: '-' as const, text })),
    ...added.map((text) => ({ sign: '+' as const, text })),
  ];
  return { kind: 'diff', path, lines: lines.slice(0, PREVIEW_MAX_LINES), hidden: Math.max(0, lines.length - PREVIEW_MAX_LINES) };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((a) => typeof a === 'string');
}

export function approvalPreview(tool: string, argumentsText: string): ApprovalPreview {
  const args = parseArguments(argumentsText);
  const raw: ApprovalPreview = { kind: 'raw', text: prettyArguments(argumentsText) };
  if (!args) return raw;
  switch (tool) {
    case 'run_command': {
      if (!isStringArray(args.argv) || args.argv.length === 0) return raw;
      const timeout = typeof args.timeout_s === 'number' ? args.timeout_s : null;
      return { kind: 'command', command: args.argv.map(shellQuote).join(' '), timeout_s: timeout };
    }
    case 'write_file':
      if (typeof args.path !== 'string' || typeof args.content !== 'string') return raw;
      return diff(args.path, [], textLines(args.content));
    case 'edit_file':
      if (typeof args.path !== 'string' || typeof args.old_string !== 'string' || typeof args.new_string !== 'string') {
        return raw;
      }
      return diff(args.path, textLines(args.old_string), textLines(args.new_string));
    default:
      return raw;
  }
}
