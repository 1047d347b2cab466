// The chat's timeline (GET /api/chats/:id/timeline): what a turn's row shows, and which frames
// make an open timeline load again (pure, unit-tested).

import type { ServerFrame } from './protocol/frames';
import type { TimelineOutcome, TimelineTurn } from './protocol/rest';
import { formatCount, formatDuration } from './format';

export interface TimelineRowView {
  turn: number;
  outcome: TimelineOutcome;
  outcomeLabel: string;
  /** Local time of day, with the date when it is not `now`'s day. */
  start: string;
  /** The full local date and time, for a tooltip. */
  startTitle: string;
  /** "1.2 s"; "12 s so far" while running; "—" when unknown. */
  duration: string;
  tokens: { prompt: number; cached: number; completion: number; text: string };
  tools: string;
  modelCalls: string;
  preview: string;
}

const OUTCOME_LABEL: Record<string, string | undefined> = {
  completed: 'completed',
  cancelled: 'cancelled',
  error: 'failed',
  running: 'running',
  interrupted: 'interrupted',
};

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

function localTime(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** "10:00:05" today, "2026-11-23 10:00:05" on another day (local time). */
export function formatStart(iso: string, nowMs: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = localTime(d);
  return localDate(d) === localDate(new Date(nowMs)) ? time : `${localDate(d)} ${time}`;
}

/** The turn's duration; a running turn's time so far, counted from its start to `nowMs`. */
export function turnDuration(t: TimelineTurn, nowMs: number): string {
  if (t.duration_ms !== null) return formatDuration(t.duration_ms);
  if (t.outcome === 'running') {
    const started = Date.parse(t.started_at);
    if (!Number.isNaN(started)) return `${formatDuration(Math.max(0, nowMs - started))} so far`;
  }
  return '—';
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function timelineRow(t: TimelineTurn, nowMs: number): TimelineRowView {
  const tokens = { prompt: t.usage.prompt, cached: t.usage.cache_hit, completion: t.usage.completion };
  const start = new Date(t.started_at);
  return {
    turn: t.turn,
    outcome: t.outcome,
    outcomeLabel: OUTCOME_LABEL[t.outcome] ?? t.outcome, // a newer node's outcome: by name
    start: formatStart(t.started_at, nowMs),
    startTitle: Number.isNaN(start.getTime()) ? t.started_at : `${localDate(start)} ${localTime(start)}`,
    duration: turnDuration(t, nowMs),
    tokens: {
      ...tokens,
      text: `in ${formatCount(tokens.prompt)} · cached ${formatCount(tokens.cached)} · out ${formatCount(tokens.completion)}`,
    },
    tools: t.tool_calls === 0 ? 'no tool calls' : plural(t.tool_calls, 'tool call', 'tool calls'),
    modelCalls: plural(t.model_calls, 'model call', 'model calls'),
    preview: t.preview,
  };
}

/**
 * Whether `frame` changes the open chat's timeline: a turn starts or ends, or a full snapshot
 * (after a reconnect or a session restart) may follow missed ones.
 */
export function timelineChanged(frame: ServerFrame, chatId: string | null): boolean {
  if (!chatId || !('chat_id' in frame) || frame.chat_id !== chatId) return false;
  return frame.type === 'turn_start' || frame.type === 'turn_end' || (frame.type === 'snapshot' && !frame.resumed);
}
