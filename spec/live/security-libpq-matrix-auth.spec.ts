/**
 * rxpg against libpq's outcomes in the committed matrix (spec/fixtures/libpq-matrix.json):
 * client certificates, channel binding and require_auth, libpq's second attempts, host lists.
 * `npm run test:libpq` records the matrix from psql itself.
 */
import { checkAgainstFixture } from '../libpq/fixture-check';

checkAgainstFixture(['client-certificates', 'authentication', 'second-attempts', 'host-list']);
