import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** The package as another project sees it: node_modules/rxpg pointing at this folder. */
describe('the built package, used from another folder', () => {
  let folder: string;
  beforeAll(() => {
    // `npm test` builds first (pretest); a bare `jest` run on a fresh clone builds here.
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
      execFileSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
        },
      );
    }
    folder = mkdtempSync(join(tmpdir(), 'rxpg-consumer-'));
    mkdirSync(join(folder, 'node_modules'));
    symlinkSync(ROOT, join(folder, 'node_modules', 'rxpg'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const run = (file: string, source: string): string => {
    writeFileSync(join(folder, file), source);
    return execFileSync(process.execPath, [join(folder, file)], { cwd: folder }).toString();
  };

  it('is imported by name from ES modules', () => {
    const out = run(
      'esm.mjs',
      "import { connect, Client, withConnection, DatabaseError, ErrorCode } from 'rxpg';\n" +
        'console.log([connect, Client, withConnection, DatabaseError].map((x) => typeof x).join(), ErrorCode.ConnectFailed);\n',
    );
    expect(out.trim()).toBe('function,function,function,function RXPG_CONNECT_FAILED');
  });

  it('is required from CommonJS', () => {
    const out = run(
      'cjs.cjs',
      "const { connect, Client } = require('rxpg');\nconsole.log(typeof connect, typeof Client);\n",
    );
    expect(out.trim()).toBe('function function');
  });

  it('ships type declarations', () => {
    expect(existsSync(join(ROOT, 'dist', 'index.d.ts'))).toBe(true);
  });
});
