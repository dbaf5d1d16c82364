import type { Cell } from './cells';
import type { Observed, Outcome } from './outcome';

/** What was seen in one cell: libpq's outcome (live or from the fixture) and rxpg's. */
export interface CellResult {
  readonly cell: Cell;
  readonly libpq: Observed;
  readonly rxpg: Observed;
  /** The committed fixture's outcome, when there was one. */
  readonly fixture?: Outcome;
}

const SHORT: Record<Outcome, string> = { encrypted: 'TLS', plaintext: 'plain', refused: '-' };

/**
 * The matrix as text: one table per group, a row per server or option, a column per
 * sslmode, each cell libpq's outcome (TLS, plain, or - for refused). A cell where rxpg or the
 * fixture disagrees is marked `!rxpg=...` or `!fixture=...`; the disagreements follow with
 * what each client said.
 */
export function formatMatrix(results: readonly CellResult[]): string {
  const lines: string[] = [];
  for (const group of unique(results.map((r) => r.cell.group))) {
    const inGroup = results.filter((r) => r.cell.group === group);
    const columns = unique(inGroup.map((r) => r.cell.column));
    const rows = unique(inGroup.map((r) => r.cell.row));
    const table = [
      [group, ...columns],
      ...rows.map((row) => [
        row,
        ...columns.map((column) => {
          const result = inGroup.find((r) => r.cell.row === row && r.cell.column === column);
          return result === undefined ? '' : cellText(result);
        }),
      ]),
    ];
    lines.push(...alignColumns(table), '');
  }
  const disagreements = results.filter((r) => !agrees(r));
  if (disagreements.length > 0) {
    lines.push('Disagreements:');
    for (const r of disagreements) {
      lines.push(`  ${r.cell.id}`);
      lines.push(`    libpq:   ${r.libpq.outcome} ${r.libpq.detail}`.trimEnd());
      lines.push(`    rxpg:    ${r.rxpg.outcome} ${r.rxpg.detail}`.trimEnd());
      if (r.fixture !== undefined) lines.push(`    fixture: ${r.fixture}`);
    }
  }
  return lines.join('\n');
}

/** True when rxpg, libpq and (if any) the fixture all say the same. */
export function agrees(result: CellResult): boolean {
  return (
    result.rxpg.uncoded !== true &&
    result.rxpg.outcome === result.libpq.outcome &&
    (result.fixture === undefined || result.fixture === result.libpq.outcome)
  );
}

function cellText(result: CellResult): string {
  let text = SHORT[result.libpq.outcome];
  if (result.rxpg.uncoded === true) text += ' !rxpg=uncoded';
  else if (result.rxpg.outcome !== result.libpq.outcome)
    text += ` !rxpg=${SHORT[result.rxpg.outcome]}`;
  if (result.fixture !== undefined && result.fixture !== result.libpq.outcome) {
    text += ` !fixture=${SHORT[result.fixture]}`;
  }
  return text;
}

function alignColumns(table: readonly string[][]): string[] {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) =>
    row
      .map((text, i) => text.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
