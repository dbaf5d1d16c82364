import { isIP } from 'node:net';
import { ErrorCode, RxpgError } from '../errors';

/** The parts of a server certificate that host name verification reads. */
export interface CertificateNames {
  /** Node's `subjectAltName` string, e.g. `DNS:localhost, IP Address:127.0.0.1`. */
  readonly subjectAltName?: string;
  /** The subject's common name(s). */
  readonly commonName?: string | readonly string[];
}

/**
 * libpq's verify-full rule: checks `host` (never `hostaddr`) against the
 * certificate. Every DNS subjectAltName is compared as a string, even for an IP
 * host; an IP subjectAltName is compared byte for byte with an IP host; the
 * common name counts only when no subjectAltName of the host's kind exists.
 * Returns an error, or undefined when the name matches.
 */
export function verifyHostName(host: string, names: CertificateNames): RxpgError | undefined {
  const hostIsIp = isIP(host) !== 0;
  const hostBytes = hostIsIp ? ipBytes(host) : undefined;
  let hasDnsName = false;
  let hasIpAddress = false;
  const tried: string[] = [];

  for (const entry of splitAltNames(names.subjectAltName ?? '')) {
    if (entry.kind === 'DNS') {
      hasDnsName = true;
      tried.push(entry.value);
      if (matchesDnsName(entry.value, host)) return undefined;
    } else if (entry.kind === 'IP Address') {
      hasIpAddress = true;
      tried.push(entry.value);
      const certBytes = ipBytes(entry.value);
      if (hostBytes && certBytes && hostBytes.equals(certBytes)) return undefined;
    }
  }

  if ((!hostIsIp && !hasDnsName) || (hostIsIp && !hasIpAddress)) {
    const commonNames = [names.commonName ?? []].flat();
    // libpq reads one common name; a certificate with several is ambiguous.
    if (commonNames.length === 1) {
      tried.push(commonNames[0]);
      if (matchesDnsName(commonNames[0], host)) return undefined;
    }
  }

  const shown = tried.length === 0 ? 'no names' : tried.map((n) => `"${n}"`).join(', ');
  return new RxpgError(
    ErrorCode.TlsFailed,
    `server certificate for ${shown} does not match host name "${host}"`,
    { hint: 'connect using a host name the certificate names, or use sslmode=verify-ca' },
  );
}

/**
 * libpq's name comparison: case-insensitive, and a pattern `*.rest` matches
 * exactly one leading label (never spanning a dot, never the bare `rest`).
 */
export function matchesDnsName(pattern: string, host: string): boolean {
  // A name with an embedded NUL could be forged to look like another one.
  if (pattern.includes('\0')) return false;
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const firstDot = h.indexOf('.');
  if (firstDot <= 0) return false;
  return h.slice(firstDot) === p.slice(1);
}

interface AltName {
  readonly kind: string;
  readonly value: string;
}

/**
 * Splits Node's subjectAltName string. Node quotes a value with special
 * characters as a JSON string (`DNS:"a, b"`), so commas inside quotes are data.
 */
export function splitAltNames(text: string): AltName[] {
  const names: AltName[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const colon = rest.indexOf(':');
    if (colon < 0) break;
    const kind = rest.slice(0, colon).trim();
    let value: string;
    let after: string;
    if (rest[colon + 1] === '"') {
      const close = closingQuote(rest, colon + 1);
      value = JSON.parse(rest.slice(colon + 1, close + 1)) as string;
      after = rest.slice(close + 1);
    } else {
      const comma = rest.indexOf(', ', colon);
      value = comma < 0 ? rest.slice(colon + 1) : rest.slice(colon + 1, comma);
      after = comma < 0 ? '' : rest.slice(comma);
    }
    names.push({ kind, value });
    rest = after.replace(/^,\s*/, '');
  }
  return names;
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

/** The bytes of an IPv4 or IPv6 address, or undefined when `text` is neither. */
export function ipBytes(text: string): Buffer | undefined {
  const family = isIP(text);
  if (family === 4) return Buffer.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  const [head, tail = ''] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let left = groups(head);
  let right = groups(tail ?? '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expand = (list: string[]): string[] =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const b = g.split('.').map(Number);
      return [((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
    });
  left = expand(left);
  right = expand(right);
  const zeros = text.includes('::') ? 8 - left.length - right.length : 0;
  const all = [...left, ...Array<string>(zeros).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}
