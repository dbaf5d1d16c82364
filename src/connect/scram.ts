import { ErrorCode, RxpgError } from '../errors';
import { loadCrypto } from './lazy-modules';
import { preparePassword } from './sasl-prep';

/** The SASL mechanisms rxpg speaks, as the server names them in AuthenticationSASL. */
export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-256-PLUS';

/**
 * Ceiling on the PBKDF2 iteration count a server may ask for. PostgreSQL's default is
 * 4096 and libpq has no ceiling, but the count comes from a server that has not proved
 * anything yet: one million costs about 0.2 s of CPU here, 100 million would be 20 s.
 */
export const DEFAULT_SCRAM_MAX_ITERATIONS = 1_000_000;

/** Options of one {@link ScramSession}. */
export interface ScramOptions {
  mechanism: ScramMechanism;
  /** tls-server-end-point data ({@link certificateHashForBinding}); required for -PLUS. */
  channelBinding?: Buffer;
  /**
   * TLS is on and channel_binding is not `disable`, but the server did not offer -PLUS:
   * the gs2 flag `y` tells a server that does support binding that it was stripped.
   */
  clientSupportsBinding?: boolean;
  /** Name sent in client-first; libpq sends none, the server uses the startup user. */
  user?: string;
  /** Fixed client nonce, for tests; by default 18 random bytes in base64 as libpq. */
  nonce?: string;
  /** Refuse a server-first asking for more PBKDF2 iterations than this. */
  maxIterations?: number;
}

// The key derivation of SCRAM-SHA-256 (RFC 7677): Hi() is PBKDF2 with HMAC-SHA-256.
const HASH = 'sha256';
const KEY_LENGTH = 32;
const NONCE_BYTES = 18;
const TLS_SERVER_END_POINT = 'tls-server-end-point';

// RFC 5802 grammar: printable ASCII except ','; base64; a positive decimal count.
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ITERATIONS = /^[1-9][0-9]{0,9}$/;

/** Where one exchange stands; each method is legal in exactly one state. */
type ScramState = 'initial' | 'first-sent' | 'deriving' | 'final-sent' | 'completed' | 'failed';

interface ServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

/**
 * The client side of one SCRAM-SHA-256(-PLUS) exchange (RFC 5802, RFC 7677), pure: it
 * turns server messages into client messages and never touches a socket.
 *
 * @example
 * const scram = new ScramSession(password, { mechanism: 'SCRAM-SHA-256' });
 * send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', scram.clientFirstMessage()));
 * send(serialize.sendSCRAMClientFinalMessage(scram.handleServerFirst(continueMessage.data)));
 * scram.handleServerFinal(finalMessage.data); // throws unless the server proved the password
 * scram.completed; // true: only now may AuthenticationOk be believed
 */
export class ScramSession {
  private state: ScramState = 'initial';
  // The prepared password is dropped as soon as the salted key is derived; the key itself is
  // kept in `derivedKeys`, for the next connection.
  private password: string;
  private readonly gs2Header: string;
  private readonly bindingData: Buffer;
  private readonly clientNonce: string;
  private readonly clientFirstBare: string;
  private readonly maxIterations: number;
  // Set once client-final is built: what server-final must carry.
  private expectedServerSignature: Buffer | undefined;

  constructor(
    password: string,
    private readonly options: ScramOptions,
  ) {
    this.password = preparePassword(password);
    const plus = options.mechanism === 'SCRAM-SHA-256-PLUS';
    if (plus && options.channelBinding === undefined) {
      throw new RxpgError(ErrorCode.SaslFailed, 'SCRAM-SHA-256-PLUS needs channel binding data');
    }
    this.gs2Header = plus
      ? `p=${TLS_SERVER_END_POINT},,`
      : options.clientSupportsBinding
        ? 'y,,'
        : 'n,,';
    this.bindingData = plus && options.channelBinding ? options.channelBinding : Buffer.alloc(0);
    this.clientNonce = options.nonce ?? loadCrypto().randomBytes(NONCE_BYTES).toString('base64');
    if (!PRINTABLE.test(this.clientNonce)) {
      throw new RxpgError(ErrorCode.SaslFailed, 'SCRAM client nonce has a forbidden character');
    }
    this.clientFirstBare = `n=${escapeSaslName(options.user ?? '')},r=${this.clientNonce}`;
    this.maxIterations = options.maxIterations ?? DEFAULT_SCRAM_MAX_ITERATIONS;
  }

  /** True only after {@link handleServerFinal} verified the server's signature. */
  get completed(): boolean {
    return this.state === 'completed';
  }

  /** True when the exchange completed with -PLUS, i.e. bound to the TLS certificate. */
  get channelBound(): boolean {
    return this.completed && this.options.mechanism === 'SCRAM-SHA-256-PLUS';
  }

  /** The mechanism to name in SASLInitialResponse. */
  get mechanism(): ScramMechanism {
    return this.options.mechanism;
  }

  /** client-first-message, e.g. `n,,n=,r=<nonce>`: the SASLInitialResponse data. */
  clientFirstMessage(): string {
    this.expectState('initial');
    this.state = 'first-sent';
    return this.gs2Header + this.clientFirstBare;
  }

  /**
   * Reads server-first (the AuthenticationSASLContinue data) and returns client-final.
   * Blocks the event loop for the key derivation: about 1 ms at PostgreSQL's default
   * 4096 iterations; see {@link handleServerFirstAsync} for servers asking for more.
   */
  handleServerFirst(data: string): string {
    const first = this.beginDerivation(data);
    const cacheKey = derivedKeyName(this.password, first.salt, first.iterations);
    let key = derivedKeys.get(cacheKey);
    if (key === undefined) {
      const { pbkdf2Sync } = loadCrypto();
      key = pbkdf2Sync(this.password, first.salt, first.iterations, KEY_LENGTH, HASH);
      remember(cacheKey, key);
    }
    return this.finishClientFinal(data, first, key);
  }

  /** {@link handleServerFirst} with the key derivation on the libuv thread pool. */
  async handleServerFirstAsync(data: string): Promise<string> {
    const first = this.beginDerivation(data);
    const cacheKey = derivedKeyName(this.password, first.salt, first.iterations);
    let key = derivedKeys.get(cacheKey);
    if (key === undefined) {
      const { pbkdf2 } = loadCrypto();
      key = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(this.password, first.salt, first.iterations, KEY_LENGTH, HASH, (error, derived) =>
          error ? reject(error) : resolve(derived),
        ),
      );
      remember(cacheKey, key);
    }
    return this.finishClientFinal(data, first, key);
  }

  /**
   * Reads server-final (the AuthenticationSASLFinal data) and checks the server signature;
   * throws SaslFailed on an `e=` error, a wrong signature or a malformed message.
   */
  handleServerFinal(data: string): void {
    this.expectState('final-sent');
    if (data.startsWith('e=')) {
      this.fail(`the server reported a SCRAM error: ${printable(data.slice(2))}`);
    }
    const match = /^v=([^,]+)$/.exec(data);
    if (match === null || !BASE64.test(match[1])) {
      this.fail('malformed SCRAM server-final-message');
    }
    const received = Buffer.from(match[1], 'base64');
    const expected = this.expectedServerSignature ?? Buffer.alloc(0);
    if (received.length !== expected.length || !loadCrypto().timingSafeEqual(received, expected)) {
      this.fail('the server signature is wrong: the server does not know the password', {
        hint: 'the server may be an impostor; check host, port and TLS settings',
      });
    }
    this.expectedServerSignature = undefined;
    this.state = 'completed';
  }

  private beginDerivation(data: string): ServerFirst {
    this.expectState('first-sent');
    const first = this.parseServerFirst(data);
    this.state = 'deriving';
    return first;
  }

  private parseServerFirst(data: string): ServerFirst {
    // Exactly r, s, i in this order, as libpq; a leading m= is a mandatory extension.
    const [r, s, i, ...rest] = data.split(',');
    if (r?.startsWith('m=')) {
      this.fail('the server requires a SCRAM extension that rxpg does not know');
    }
    if (!r?.startsWith('r=') || !s?.startsWith('s=') || !i?.startsWith('i=') || rest.length) {
      this.fail('malformed SCRAM server-first-message');
    }
    const nonce = r.slice(2);
    if (!PRINTABLE.test(nonce)) {
      this.fail('malformed SCRAM server-first-message: invalid nonce');
    }
    // The server must append its own part; a bare echo would let it replay old proofs.
    if (nonce.length <= this.clientNonce.length || !nonce.startsWith(this.clientNonce)) {
      this.fail('the SCRAM server nonce does not extend the client nonce');
    }
    const salt = s.slice(2);
    if (salt === '' || !BASE64.test(salt)) {
      this.fail('malformed SCRAM server-first-message: invalid salt');
    }
    const count = i.slice(2);
    if (!ITERATIONS.test(count)) {
      this.fail('malformed SCRAM server-first-message: invalid iteration count');
    }
    const iterations = Number(count);
    if (iterations > this.maxIterations) {
      this.fail(`the server asks for ${iterations} SCRAM iterations, over ${this.maxIterations}`, {
        hint: 'raise maxIterations if this server is trusted and really uses that many',
      });
    }
    return { nonce, salt: Buffer.from(salt, 'base64'), iterations };
  }

  private finishClientFinal(serverFirst: string, first: ServerFirst, salted: Buffer): string {
    this.expectState('deriving');
    this.password = '';
    const binding = Buffer.concat([Buffer.from(this.gs2Header), this.bindingData]);
    const withoutProof = `c=${binding.toString('base64')},r=${first.nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;

    const clientKey = hmac(salted, 'Client Key');
    const storedKey = loadCrypto().createHash(HASH).update(clientKey).digest();
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(KEY_LENGTH);
    for (let k = 0; k < KEY_LENGTH; k++) {
      proof[k] = clientKey[k] ^ clientSignature[k];
    }
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    this.state = 'final-sent';
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  private expectState(expected: ScramState): void {
    if (this.state !== expected) {
      this.fail(`unexpected SCRAM step: expected state ${expected}, in state ${this.state}`);
    }
  }

  private fail(message: string, options: { hint?: string } = {}): never {
    this.state = 'failed';
    this.password = '';
    throw new RxpgError(ErrorCode.SaslFailed, message, options);
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return loadCrypto().createHmac(HASH, key).update(text).digest();
}

/** saslname of RFC 5802: ',' and '=' are written =2C and =3D. */
function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Server text shown in an error: it is unauthenticated, so only short printable ASCII. */
function printable(text: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(text) ? JSON.stringify(text) : '(unprintable)';
}

/**
 * Salted passwords already derived, by password, salt and iteration count.
 * The server keeps one salt per role, so every connection after the first
 * would derive the same key again: a millisecond of PBKDF2 at the default
 * 4,096 iterations, far more where servers ask for more. The key is worth as
 * much as the password, which the process holds anyway.
 */
const derivedKeys = new Map<string, Buffer>();
const DERIVED_KEYS_KEPT = 16;

/** The cache's name for a derivation; the password enters it only hashed. */
function derivedKeyName(password: string, salt: Buffer, iterations: number): string {
  const digest = loadCrypto().createHash('sha256').update(password).digest('base64');
  return `${iterations}:${salt.toString('base64')}:${digest}`;
}

function remember(name: string, key: Buffer): void {
  derivedKeys.set(name, key);
  if (derivedKeys.size > DERIVED_KEYS_KEPT) {
    derivedKeys.delete(derivedKeys.keys().next().value as string);
  }
}
