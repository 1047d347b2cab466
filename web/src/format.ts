// Small display helpers (pure, unit-tested).

import type { Usage } from './protocol/rest';

/** 850 ms, 1.2 s, 2 m 05 s */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

/** A cost to add after a usage line (" · $0.0123"); nothing when it is 0 (prices not known). */
export function formatCost(usd: number): string {
  return usd > 0 ? ` · $${usd.toFixed(usd < 0.01 ? 4 : 2)}` : '';
}

/** "$0.42", "$12.30", "$0.0005" (under a cent), "<$0.0001", "$0". */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return '$0';
  if (usd < 0.00005) return '<$0.0001';
  return `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`;
}

/**
 * A share (0..1) as a whole percent: "92%". Never "100%" unless it is all, nor "0%" unless it is
 * none, so a rounded figure does not claim a full (or an empty) cache.
 */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share) || share <= 0) return '0%';
  if (share >= 1) return '100%';
  const p = Math.round(share * 100);
  if (p === 0) return '<1%';
  return `${Math.min(p, 99)}%`;
}

/** An idle time in seconds: "40s", "6m 12s", "1h 05m". */
export function formatIdle(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** "in 1,234 · cached 1,000 · out 56" (plus "· reasoning N" when there was any). */
export function formatUsage(u: Usage): string {
  const parts = [`in ${formatCount(u.prompt)}`, `cached ${formatCount(u.cache_hit)}`, `out ${formatCount(u.completion)}`];
  if (u.reasoning > 0) parts.push(`reasoning ${formatCount(u.reasoning)}`);
  return parts.join(' · ');
}

/** Quotes one argv word for display the way a POSIX shell would need it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The arguments as an object, or null when they are not a JSON object. */
export function parseArguments(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Pretty-printed arguments (the raw text when it is not JSON). */
export function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A one-line summary of a tool call's arguments: the command, the path, the pattern. */
export function summarizeArguments(name: string, text: string, max = 80): string {
  const args = parseArguments(text);
  if (!args) return clip(text, max);
  if (Array.isArray(args.argv) && args.argv.every((a) => typeof a === 'string')) {
    return clip((args.argv as string[]).map(shellQuote).join(' '), max);
  }
  if (name === 'search' && typeof args.pattern === 'string') {
    const where = typeof args.path === 'string' ? ` in ${args.path}` : '';
    return clip(`/${args.pattern}/${where}`, max);
  }
  if (typeof args.path === 'string') return clip(args.path, max);
  const firstString = Object.values(args).find((v) => typeof v === 'string');
  return typeof firstString === 'string' ? clip(firstString, max) : '';
}

/** A random client_id for a message (works without a secure context, unlike randomUUID). */
export function newClientId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `m-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Size of a string in UTF-8 bytes. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The last path component of a workspace, for compact display. */
export function baseName(path: string): string {
  const parts = path.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] || path;
}
