import { describe, expect, it } from 'vitest';
import { prefixOffsets, rowAt, visibleRange } from './virtualList';

// Heights as the trace list uses them: a turn header (46), calls (50), one expanded call (380).
const heights = [46, 50, 50, 380, 50, 46, 50, 50];
const offsets = prefixOffsets(heights); // 0 46 96 146 526 576 622 672 722

describe('prefixOffsets', () => {
  it('sums heights, starting at 0 and ending at the total', () => {
    expect(offsets).toEqual([0, 46, 96, 146, 526, 576, 622, 672, 722]);
    expect(prefixOffsets([])).toEqual([0]);
  });
});

describe('rowAt', () => {
  it('finds the row containing a y, edges belonging to the lower row', () => {
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 45.9)).toBe(0);
    expect(rowAt(offsets, 46)).toBe(1);
    expect(rowAt(offsets, 300)).toBe(3); // inside the expanded row
    expect(rowAt(offsets, 526)).toBe(4);
    expect(rowAt(offsets, 10_000)).toBe(7); // clamped
    expect(rowAt(offsets, -5)).toBe(0);
    expect(rowAt([0], 10)).toBe(0);
  });
});

describe('visibleRange', () => {
  it('covers the rows intersecting the viewport', () => {
    expect(visibleRange(offsets, 0, 100)).toEqual({ start: 0, end: 3 }); // 0..100 touches row 2 (96..146)
    expect(visibleRange(offsets, 0, 96)).toEqual({ start: 0, end: 2 }); // row 2 starts exactly at the bottom
    expect(visibleRange(offsets, 150, 300)).toEqual({ start: 3, end: 4 }); // all inside the expanded row
    expect(visibleRange(offsets, 500, 100)).toEqual({ start: 3, end: 6 });
  });

  it('adds overscan on both sides, clamped to the list', () => {
    expect(visibleRange(offsets, 526, 50, 2)).toEqual({ start: 2, end: 7 });
    expect(visibleRange(offsets, 0, 50, 5)).toEqual({ start: 0, end: 7 });
    expect(visibleRange(offsets, 700, 500, 3)).toEqual({ start: 4, end: 8 });
  });

  it('handles an empty list, a zero-height viewport and a scroll past the end', () => {
    expect(visibleRange([0], 0, 500, 3)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(offsets, 46, 0)).toEqual({ start: 1, end: 2 });
    expect(visibleRange(offsets, 5_000, 400)).toEqual({ start: 7, end: 8 });
  });

  it('renders a small window of a long list wherever it is scrolled', () => {
    const many = prefixOffsets(Array.from({ length: 20_000 }, (_, i) => (i % 21 === 0 ? 46 : i === 15_000 ? 380 : 50)));
    const total = many[many.length - 1]!;
    for (const top of [0, 123_456, 750_000, total - 640]) {
      const r = visibleRange(many, top, 640, 8);
      expect(r.end - r.start).toBeLessThanOrEqual(14 + 16 + 1);
      expect(many[r.start]!).toBeLessThanOrEqual(top);
      expect(many[r.end]!).toBeGreaterThanOrEqual(Math.min(total, top + 640));
    }
    const last = visibleRange(many, total - 640, 640, 0);
    expect(last.end).toBe(20_000);
  });
});
