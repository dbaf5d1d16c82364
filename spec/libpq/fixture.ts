import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Outcome } from './outcome';
import type { LibpqIdentity } from './psql';

/** The committed record of what libpq did in every cell. */
export const FIXTURE_PATH = join(__dirname, '..', 'fixtures', 'libpq-matrix.json');

/** The fixture's content: who was observed, and the outcome of each cell by id. */
export interface LibpqMatrix {
  readonly observed: LibpqIdentity;
  readonly about: string;
  readonly cells: Readonly<Record<string, Outcome>>;
}

const ABOUT =
  'Outcomes of psql with libpq (see observed) for each cell of spec/libpq/cells.ts; ' +
  'written by npm run test:libpq, checked against rxpg by spec/live/security-libpq-matrix-*.spec.ts.';

/** The committed matrix, or undefined before the libpq suite first ran. */
export function readMatrix(): LibpqMatrix | undefined {
  if (!existsSync(FIXTURE_PATH)) return undefined;
  return JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as LibpqMatrix;
}

/** Writes the matrix libpq showed, in cell order, so that a diff shows what changed. */
export function writeMatrix(observed: LibpqIdentity, cells: Record<string, Outcome>): void {
  const matrix: LibpqMatrix = { observed, about: ABOUT, cells };
  writeFileSync(FIXTURE_PATH, `${JSON.stringify(matrix, null, 2)}\n`);
}
