import { QuickStatements } from '../../src/client/quick-statements';

describe('QuickStatements', () => {
  it('knows nothing of a statement never timed', () => {
    expect(new QuickStatements().isQuick('select 1')).toBe(false);
  });

  it('takes a statement for quick after one quick run, until three slow ones in a row', () => {
    const quick = new QuickStatements();
    quick.timed('select 1', 50);
    expect(quick.isQuick('select 1')).toBe(false);
    quick.timed('select 1', 2);
    expect(quick.isQuick('select 1')).toBe(true);
    quick.timed('select 1', 40);
    quick.timed('select 1', 40);
    expect(quick.isQuick('select 1')).toBe(true);
    quick.timed('select 1', 40);
    expect(quick.isQuick('select 1')).toBe(false);
    quick.timed('select 1', 1);
    expect(quick.isQuick('select 1')).toBe(true);
  });

  it('keeps statements apart, and forgets the oldest past a thousand', () => {
    const quick = new QuickStatements();
    quick.timed('first', 1);
    for (let n = 0; n < 1_000; n++) quick.timed(`select ${n}`, 1);
    expect(quick.isQuick('select 999')).toBe(true);
    expect(quick.isQuick('first')).toBe(false);
    expect(quick.isQuick('other')).toBe(false);
  });
});
