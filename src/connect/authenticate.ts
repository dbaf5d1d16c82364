import { serialize } from 'pg-protocol';
import type { ConnectConfig, RequireAuth } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import type { AuthRequest } from '../protocol/messages';
import { certificateHashForBinding } from './channel-binding';
import { md5Password } from './md5';
import { ScramSession } from './scram';

/** The names require_auth uses for what a server may ask. */
type AuthMethod = RequireAuth['methods'][number];

/** What the authentication exchange knows about the transport. */
export interface TransportInfo {
  /** True once TLS is on. */
  readonly encrypted: boolean;
  /** The server's certificate (DER), for SCRAM channel binding. */
  readonly peerCertificate?: Buffer;
}

const SCRAM = 'SCRAM-SHA-256';
const SCRAM_PLUS = 'SCRAM-SHA-256-PLUS';

/**
 * One authentication exchange. Every request is checked against
 * `require_auth` and `channel_binding` before it is answered, so a server that
 * asks for a weaker method than allowed never sees the password.
 */
export class Authenticator {
  /** The SCRAM exchange under way, if any. */
  private scram: ScramSession | undefined;
  /** Whether the server asked for anything before AuthenticationOk. */
  private asked = false;

  constructor(
    private readonly config: ConnectConfig,
    private readonly transport: TransportInfo,
    private readonly password: () => string | undefined,
    private readonly maxIterations?: number,
  ) {}

  /** The message answering `request`, or undefined for AuthenticationOk (after its checks). */
  respond(request: AuthRequest): Buffer | undefined {
    switch (request.kind) {
      case 'ok':
        this.checkCompleted();
        return undefined;
      case 'cleartext':
        this.allow('password', 'a cleartext password');
        return serialize.password(this.requirePassword());
      case 'md5':
        this.allow('md5', 'an md5 password');
        return serialize.password(
          md5Password(this.config.user, this.requirePassword(), request.salt),
        );
      case 'sasl':
        return this.startScram(request.mechanisms);
      case 'sasl-continue':
        return serialize.sendSCRAMClientFinalMessage(
          this.scramSession().handleServerFirst(request.data.toString('utf8')),
        );
      case 'sasl-final':
        this.scramSession().handleServerFinal(request.data.toString('utf8'));
        return undefined;
      case 'unsupported':
        this.allow(request.code === 9 ? 'sspi' : 'gss', 'GSSAPI or SSPI authentication');
        throw new RxpgError(
          ErrorCode.AuthRefused,
          `server requested authentication method ${request.code}, which rxpg does not support`,
        );
      default:
        return assertNever(request);
    }
  }

  private startScram(mechanisms: readonly string[]): Buffer {
    this.allow('scram-sha-256', 'SASL authentication');
    if (this.scram !== undefined) throw refused('server restarted the SASL exchange');
    const offersPlus = mechanisms.includes(SCRAM_PLUS);
    const { channelBinding } = this.config;
    if (offersPlus && !this.transport.encrypted) {
      // Only possible if something rewrote the server's message.
      throw refused('server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection');
    }
    const usePlus =
      offersPlus && channelBinding !== 'disable' && this.transport.peerCertificate !== undefined;
    if (channelBinding === 'require' && !usePlus) {
      throw refused(
        'channel binding is required, but server did not offer an authentication method ' +
          'that supports channel binding',
      );
    }
    if (!usePlus && !mechanisms.includes(SCRAM)) {
      throw refused(`none of the server's SASL authentication mechanisms are supported`);
    }
    this.scram = new ScramSession(this.requirePassword(), {
      mechanism: usePlus ? SCRAM_PLUS : SCRAM,
      channelBinding:
        usePlus && this.transport.peerCertificate
          ? certificateHashForBinding({ raw: this.transport.peerCertificate })
          : undefined,
      // 'y': the client could bind but the server did not offer it (a downgrade is detectable).
      clientSupportsBinding: this.transport.encrypted && channelBinding !== 'disable',
      maxIterations: this.maxIterations,
    });
    return serialize.sendSASLInitialResponseMessage(
      usePlus ? SCRAM_PLUS : SCRAM,
      this.scram.clientFirstMessage(),
    );
  }

  private scramSession(): ScramSession {
    if (this.scram === undefined) throw refused('server sent a SASL message out of turn');
    return this.scram;
  }

  /** Checks made when the server says AuthenticationOk. */
  private checkCompleted(): void {
    if (this.scram !== undefined && !this.scram.completed) {
      throw new RxpgError(
        ErrorCode.SaslFailed,
        'server finished authentication before the SCRAM exchange was complete',
      );
    }
    if (!this.asked) this.allow('none', 'no authentication');
    // Bound only if the -PLUS exchange completed: the server proved it saw our TLS certificate.
    if (this.config.channelBinding === 'require' && this.scram?.channelBound !== true) {
      throw refused(
        'channel binding required, but server authenticated client without channel binding',
      );
    }
  }

  /** Applies require_auth to a request for `method`, and channel_binding=require to non-SASL. */
  private allow(method: AuthMethod, description: string): void {
    if (method !== 'none') this.asked = true;
    const rule = this.config.requireAuth;
    if (rule !== undefined && rule.methods.includes(method) === rule.negated) {
      throw new RxpgError(
        ErrorCode.AuthRefused,
        `authentication method requirement "${describeRule(rule)}" failed: server ` +
          (method === 'none' ? 'did not complete authentication' : `requested ${description}`),
      );
    }
    if (
      this.config.channelBinding === 'require' &&
      method !== 'scram-sha-256' &&
      method !== 'none'
    ) {
      throw refused(
        "channel binding required but not supported by server's authentication request",
      );
    }
  }

  private requirePassword(): string {
    const password = this.password();
    if (password === undefined || password === '') {
      throw new RxpgError(
        ErrorCode.PasswordRequired,
        'server requested a password, but none was supplied',
        {
          hint: 'give a password in the connection parameters, PGPASSWORD or ~/.pgpass',
        },
      );
    }
    return password;
  }
}

function describeRule(rule: RequireAuth): string {
  return rule.methods.map((m) => (rule.negated ? `!${m}` : m)).join(',');
}

function refused(message: string): RxpgError {
  return new RxpgError(ErrorCode.AuthRefused, message);
}

function assertNever(value: never): never {
  throw new RxpgError(ErrorCode.ProtocolViolation, `unhandled request ${JSON.stringify(value)}`);
}
