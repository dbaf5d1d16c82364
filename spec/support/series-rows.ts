import type { Observable } from 'rxjs';

/**
 * Subscribes to rows of a series: `seen` collects each row's `g` as it comes, `ending` resolves
 * with 'complete' or the code of the error that ended the stream.
 */
export function seriesRows(work: Observable<{ g: number }>): {
  seen: number[];
  ending: Promise<string>;
} {
  const seen: number[] = [];
  const ending = new Promise<string>((resolve) =>
    work.subscribe({
      next: (row) => seen.push(row.g),
      error: (error: unknown) => resolve((error as { code?: string }).code ?? '?'),
      complete: () => resolve('complete'),
    }),
  );
  return { seen, ending };
}

/** 1, 2, ... n: what a series of n rows must have delivered, each once, in order. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
