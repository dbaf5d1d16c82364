/**
 * "Did you mean" for misspelt keywords.
 * @internal
 */

/** Names that other drivers use for libpq keywords. */
const OTHER_NAMES: ReadonlyMap<string, string> = new Map([
  ['database', 'dbname'],
  ['db', 'dbname'],
  ['username', 'user'],
  ['hostname', 'host'],
  ['pass', 'password'],
  ['pwd', 'password'],
  ['ssl', 'sslmode'],
  ['timeout', 'connect_timeout'],
  ['connecttimeoutmillis', 'connect_timeout'],
  ['appname', 'application_name'],
  ['sslca', 'sslrootcert'],
  ['passwordfile', 'passfile'],
]);

/** Lower case without `_` and `-`, so that `sslMode` and `ssl_mode` meet `sslmode`. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** Edit distance where swapping two neighbours counts as one edit (`hots` is one from `host`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The keyword that `name` most likely meant, or undefined when none is close:
 * the same letters in another case or with other separators, a name another
 * driver uses, or a keyword at most two edits away (one for short names).
 */
export function suggestKeyword(name: string, keywords: Iterable<string>): string | undefined {
  const wanted = normalize(name);
  const alias = OTHER_NAMES.get(wanted);
  if (alias !== undefined) return alias;
  const limit = wanted.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const keyword of keywords) {
    const d = distance(wanted, normalize(keyword));
    if (d < bestDistance) {
      best = keyword;
      bestDistance = d;
    }
  }
  return best;
}
