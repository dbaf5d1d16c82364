import { preparePassword } from '../../../src/connect/sasl-prep';

describe('preparePassword (SASLprep as libpq applies it)', () => {
  it('keeps a pure-ASCII password as it is, control characters included', () => {
    expect(preparePassword('pencil')).toBe('pencil');
    expect(preparePassword('bell\u0007tab\t')).toBe('bell\u0007tab\t');
    expect(preparePassword('')).toBe('');
  });

  it('maps non-ASCII spaces to a space', () => {
    expect(preparePassword('a\u00a0b\u2003c\u3000d')).toBe('a b c d');
  });

  it('removes characters commonly mapped to nothing', () => {
    expect(preparePassword('I\u00adX\u200d')).toBe('IX');
  });

  it('maps a zero width space to a space, as a space before mapping to nothing', () => {
    expect(preparePassword('\u00e9\u200b')).toBe('\u00e9 ');
  });

  it('normalizes with NFKC', () => {
    expect(preparePassword('\u2168')).toBe('IX'); // ROMAN NUMERAL NINE
    expect(preparePassword('\u00aa')).toBe('a'); // FEMININE ORDINAL INDICATOR
    expect(preparePassword('e\u0301té')).toBe('été');
  });

  it('falls back to the raw password when a prohibited character is present', () => {
    expect(preparePassword('\u00e9\u0007')).toBe('\u00e9\u0007'); // non-ASCII with a control
    expect(preparePassword('p\u00e4ss\ue000')).toBe('p\u00e4ss\ue000'); // private use
  });

  it('falls back to the raw password on an unassigned code point', () => {
    expect(preparePassword('\u0221x')).toBe('\u0221x');
  });

  it('falls back to the raw password on a bidirectional mix', () => {
    expect(preparePassword('\u0627\u0031')).toBe('\u0627\u0031');
  });

  it('falls back to the raw password when nothing is left after mapping', () => {
    expect(preparePassword('\u00ad')).toBe('\u00ad');
  });
});
