import { describe, expect, it } from 'vitest';
import { RETRY_MAX_MS, RETRY_MIN_MS, connectionView, reconnectDelay } from './reconnect';

describe('reconnectDelay', () => {
  it('doubles from 0.5 s up to 10 s (the upper end of each wait)', () => {
    const upper = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => reconnectDelay(n, 1));
    expect(upper).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('waits a random half of the base at least (equal jitter)', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, 0))).toEqual([250, 500, 1000, 2000, 4000, 5000]);
    expect(reconnectDelay(3, 0.5)).toBe(1500);
  });

  it('stays within [base / 2, base] for any random number, and never above the cap', () => {
    for (let n = 1; n <= 40; n++) {
      const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (n - 1));
      for (const r of [0, 0.1, 0.37, 0.5, 0.99, 0.999999]) {
        const d = reconnectDelay(n, r);
        expect(d).toBeGreaterThanOrEqual(base / 2);
        expect(d).toBeLessThanOrEqual(base);
        expect(d).toBeLessThanOrEqual(RETRY_MAX_MS);
      }
    }
  });

  it('treats attempts below 1 as the first, and a huge one as capped', () => {
    expect(reconnectDelay(0, 1)).toBe(500);
    expect(reconnectDelay(-3, 1)).toBe(500);
    expect(reconnectDelay(10_000, 1)).toBe(10_000);
    expect(Number.isFinite(reconnectDelay(Number.MAX_SAFE_INTEGER, 0.5))).toBe(true);
  });

  it('uses Math.random by default', () => {
    const d = reconnectDelay(2);
    expect(d).toBeGreaterThanOrEqual(500);
    expect(d).toBeLessThanOrEqual(1000);
  });
});

describe('connectionView', () => {
  it('says connected, connecting (the first connection) or reconnecting with the attempt', () => {
    expect(connectionView('connected', 0)).toEqual({ state: 'connected', label: 'Connected' });
    expect(connectionView('connecting', 0)).toEqual({ state: 'connecting', label: 'Connecting…' });
    expect(connectionView('disconnected', 0)).toEqual({ state: 'connecting', label: 'Connecting…' });
    expect(connectionView('disconnected', 1)).toEqual({ state: 'reconnecting', label: 'Reconnecting… (attempt 1)' });
    expect(connectionView('disconnected', 7)).toEqual({ state: 'reconnecting', label: 'Reconnecting… (attempt 7)' });
  });
});
