// Windowing math for a list of rows with known heights (pure, unit-tested). Row i occupies
// [offsets[i], offsets[i + 1]) in the list's coordinates, so finding the rows in view is a
// binary search, whatever the mix of short and tall rows.

/** Prefix sums of the heights: n + 1 numbers, offsets[0] = 0, offsets[n] = total height. */
export function prefixOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  let y = 0;
  for (let i = 0; i < heights.length; i++) {
    y += heights[i] ?? 0;
    offsets[i + 1] = y;
  }
  return offsets;
}

/** The index of the row that contains `y` (clamped to the rows there are; 0 when none). */
export function rowAt(offsets: readonly number[], y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  // The last i with offsets[i] <= y.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] ?? 0) <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [start, end) to render. */
export interface RowRange {
  start: number;
  end: number;
}

/**
 * The rows that intersect [scrollTop, scrollTop + viewportHeight), plus `overscan` rows on
 * either side so a fast scroll does not show blank space before the next render.
 */
export function visibleRange(
  offsets: readonly number[],
  scrollTop: number,
  viewportHeight: number,
  overscan = 0,
): RowRange {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const bottom = top + Math.max(0, viewportHeight);
  const first = rowAt(offsets, top);
  // The first row that starts at or below the bottom edge is not in view.
  let last = rowAt(offsets, bottom);
  if ((offsets[last] ?? 0) < bottom || last === first) last += 1;
  return { start: Math.max(0, first - overscan), end: Math.min(n, last + overscan) };
}
