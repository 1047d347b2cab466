// When to try the WebSocket again after it closed, and how the page says so (pure, unit-tested).

/** The first retry waits about this long... */
export const RETRY_MIN_MS = 500;
/** ...and each one after it twice as long as the one before, up to this. */
export const RETRY_MAX_MS = 10_000;

/**
 * The wait before reconnect attempt `attempt` (1, 2, ...): a base that doubles from
 * RETRY_MIN_MS up to RETRY_MAX_MS, of which a random half is waited ("equal jitter": between
 * base / 2 and base), so pages that lost the same node do not all come back at once.
 * `random` is a number in [0, 1), Math.random() by default.
 */
export function reconnectDelay(attempt: number, random: number = Math.random()): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2 ** 30 is far past the cap; the exponent is clamped so it never overflows.
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(n - 1, 30));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}

export type ConnectionState = 'connected' | 'connecting' | 'reconnecting';

export interface ConnectionView {
  state: ConnectionState;
  label: string;
}

/**
 * What the connection pill says: nothing to worry about once connected, "Connecting…" for the
 * page's first connection, "Reconnecting… (attempt N)" after it was lost.
 */
export function connectionView(status: 'connecting' | 'connected' | 'disconnected', attempt: number): ConnectionView {
  if (status === 'connected') return { state: 'connected', label: 'Connected' };
  if (attempt <= 0) return { state: 'connecting', label: 'Connecting…' };
  return { state: 'reconnecting', label: `Reconnecting… (attempt ${attempt})` };
}
