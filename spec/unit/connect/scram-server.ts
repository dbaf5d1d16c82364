import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** How a scripted server plays its side of SCRAM-SHA-256; the defaults are honest. */
export interface ScramServerOptions {
  readonly password: string;
  readonly iterations?: number;
  /** Server nonce part; `replace` sends a nonce that does not start with the client's. */
  readonly nonce?: 'extend' | 'echo' | 'replace';
  /** Send a server signature computed from another password. */
  readonly wrongSignature?: boolean;
}

/** The server side of one exchange: reads client messages, writes server messages. */
export class ScramServer {
  private readonly salt = randomBytes(16);
  private clientFirstBare = '';
  private serverFirst = '';
  /** The mechanism the client chose in SASLInitialResponse. */
  mechanism = '';
  /** The gs2 header the client sent (`n,,`, `y,,` or `p=tls-server-end-point,,`). */
  gs2Header = '';
  /** The channel binding data the client sent in client-final (decoded `c=`). */
  binding = Buffer.alloc(0);
  /** True when the client's proof matched the password. */
  proofValid = false;

  constructor(private readonly options: ScramServerOptions) {}

  /** Reads client-first and returns server-first. */
  first(clientFirst: string): string {
    const match = /^((?:[npy]|p=[^,]+),[^,]*,)(.*)$/.exec(clientFirst);
    if (match === null) throw new Error(`bad client-first ${clientFirst}`);
    this.gs2Header = match[1];
    this.clientFirstBare = match[2];
    const clientNonce = /r=([^,]+)/.exec(this.clientFirstBare)?.[1] ?? '';
    const own = randomBytes(18).toString('base64');
    const nonce =
      this.options.nonce === 'echo'
        ? clientNonce
        : this.options.nonce === 'replace'
          ? own
          : clientNonce + own;
    const iterations = this.options.iterations ?? 4096;
    this.serverFirst = `r=${nonce},s=${this.salt.toString('base64')},i=${iterations}`;
    return this.serverFirst;
  }

  /** Reads client-final (checks the proof) and returns server-final. */
  final(clientFinal: string): string {
    const withoutProof = clientFinal.replace(/,p=[^,]+$/, '');
    const proof = Buffer.from(/,p=([^,]+)$/.exec(clientFinal)?.[1] ?? '', 'base64');
    this.binding = Buffer.from(/^c=([^,]+)/.exec(clientFinal)?.[1] ?? '', 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const salted = this.salted(this.options.password);
    const clientKey = hmac(salted, 'Client Key');
    const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
    const recovered = Buffer.from(proof.map((byte, i) => byte ^ signature[i]));
    this.proofValid = createHash('sha256')
      .update(recovered)
      .digest()
      .equals(createHash('sha256').update(clientKey).digest());
    const signingKey = this.options.wrongSignature ? this.salted('not the password') : salted;
    return `v=${hmac(hmac(signingKey, 'Server Key'), authMessage).toString('base64')}`;
  }

  private salted(password: string): Buffer {
    return pbkdf2Sync(password, this.salt, this.options.iterations ?? 4096, 32, 'sha256');
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}
