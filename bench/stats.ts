/** Medians, ranges and number formats. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function range(values: readonly number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** 612345.6 -> "612,346". */
export function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

/** One decimal: 12.34 -> "12.3". */
export function decimal(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '—';
}

/**
 * 1.239 -> "1.23x": cut, not rounded, so that a ratio just short of a target (1.196 against
 * 1.2) never prints as reaching it.
 */
export function times(value: number): string {
  // Rounded to a millionth first, so that 1.15 (1.1499999... in binary) stays 1.15.
  const cut = Math.floor(Math.round(value * 1e6) / 1e4) / 100;
  return Number.isFinite(value) ? `${cut.toFixed(2)}x` : '—';
}
