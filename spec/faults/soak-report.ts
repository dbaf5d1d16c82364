import type { SoakReport } from './soak';

/** The figures of a soak run as lines of text. */
export function formatReport(report: SoakReport): string {
  const byCode: Record<string, number> = {};
  for (const [key, n] of Object.entries(report.outcomes)) {
    const outcome = key.slice(key.indexOf(': ') + 2);
    byCode[outcome] = (byCode[outcome] ?? 0) + n;
  }
  const lost = Object.values(report.lost).reduce((sum, n) => sum + n, 0);
  const lines = [
    `operations:     ${report.operations} in ${(report.ms / 1000).toFixed(1)} s`,
    `faults:         ${report.faultsInjected} injected; took effect: ${describe(report.faultsTriggered)}`,
    `outcomes:       ${describe(byCode)}`,
    `writes:         told committed ${report.writes.toldCommitted}, told failed ${report.writes.toldFailed}, unknown ${report.writes.unknown}, rows on server ${report.writes.rowsOnServer}`,
    `listen gaps:    ${describe(report.listenGaps) || 'none'}`,
    `lost:           ${lost} (${describe(report.lost)})`,
    'by operation:',
    ...Object.entries(report.outcomes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `  ${key.padEnd(48)} ${n}`),
  ];
  return lines.join('\n');
}

function describe(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}
