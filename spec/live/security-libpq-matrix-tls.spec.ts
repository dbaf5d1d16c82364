/**
 * rxpg against libpq's outcomes in the committed matrix (spec/fixtures/libpq-matrix.json):
 * encryption negotiation, men in the middle, server certificates, revocation, TLS versions.
 * `npm run test:libpq` records the matrix from psql itself.
 */
import { checkAgainstFixture } from '../libpq/fixture-check';

checkAgainstFixture(['negotiation', 'mitm', 'certificates', 'revocation', 'tls-versions']);
