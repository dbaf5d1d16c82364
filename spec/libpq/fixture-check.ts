import type { Cell } from './cells';
import { allCells } from './cells';
import { readMatrix } from './fixture';
import { CAN_CHOWN, Workspace } from './homes';
import { forEachLimited } from './limit';
import { rxpgOutcome, type Observed } from './outcome';
import { cellConnection } from './run-cell';
import { Servers } from './servers';

/** rxpg connections in flight at once. */
const CONCURRENCY = 4;

/**
 * Defines the tests that hold rxpg to the committed libpq matrix, for the cells of `groups`:
 * no psql needed, so they run in `npm test` anywhere. Against servers older than a cell
 * needs (PG_BIN pointing at PostgreSQL 15, say) the cell is skipped, not guessed.
 */
export function checkAgainstFixture(groups: readonly string[]): void {
  const matrix = readMatrix();
  const cells = allCells().filter(
    (cell) => groups.includes(cell.group) && (CAN_CHOWN || !cell.needsRoot),
  );

  describe(`rxpg against the libpq ${matrix?.observed.libpq ?? '(missing)'} matrix`, () => {
    const seen = new Map<string, Observed | 'skipped'>();
    let servers: Servers | undefined;
    let workspace: Workspace | undefined;

    beforeAll(async () => {
      const started = new Servers();
      const files = new Workspace();
      servers = started;
      workspace = files;
      const version = await started.version();
      await forEachLimited(cells, CONCURRENCY, async (cell: Cell) => {
        if ((cell.minServerVersion ?? 0) > version) {
          seen.set(cell.id, 'skipped');
          return;
        }
        const { conninfo, env } = await cellConnection(cell, started, files);
        seen.set(cell.id, await rxpgOutcome(conninfo, env));
      });
    });

    afterAll(async () => {
      await servers?.stopAll();
      workspace?.remove();
    });

    it.each(cells.map((cell) => [cell.id, cell] as const))('%s', (_id, cell) => {
      const expected = matrix?.cells[cell.id];
      if (expected === undefined) {
        throw new Error(`no libpq outcome for this cell: run npm run test:libpq and commit it`);
      }
      const observed = seen.get(cell.id);
      if (observed === 'skipped') return;
      if (observed === undefined) throw new Error('cell was not run');
      expect(`${observed.outcome}${observed.uncoded === true ? ' (uncoded error)' : ''}`).toBe(
        expected,
      );
    });
  });
}
