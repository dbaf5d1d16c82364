import type { Duplex } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { serialize } from 'pg-protocol';
import { Observable } from 'rxjs';
import type { ConnectConfig, HostTarget } from '../config/types';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import { BackendCode } from '../protocol/codes';
import type { LengthLimit } from '../protocol/framer';
import { asRxpgError, MessageStream } from '../protocol/message-stream';
import type { BackendMessage } from '../protocol/messages';
import { AttemptFailure, type Recovery } from './attempt-failure';
import { Authenticator, type TransportInfo } from './authenticate';
import type { BackendKey, Session } from './session';

/**
 * libpq's bounds before the server is authenticated: requests are small, errors a little larger.
 */
const MAX_AUTH_REQUEST = 2000;
const MAX_PREAUTH_ERROR = 30000;

const preAuthLimit: LengthLimit = (code) =>
  code === BackendCode.Authentication || code === BackendCode.NegotiateProtocolVersion
    ? MAX_AUTH_REQUEST
    : MAX_PREAUTH_ERROR;

/** Client behaviour that shapes the session, beyond libpq's parameters. */
export interface SessionOptions {
  /** Largest message accepted once authenticated, in bytes. */
  readonly maxMessageSize: number;
  /** Highest SCRAM iteration count accepted from a server. */
  readonly maxScramIterations?: number;
  /** Resolves the password for a target when its server asks for one (pgpass is per host). */
  readonly password: (target: HostTarget) => string | undefined;
  /** The `tls` option of connect; establish() checks it before anything starts. */
  readonly tls?: TlsConnectionOptions;
}

/** The settings rxpg's decoding relies on, sent in every StartupMessage. */
const SESSION_SETTINGS = { DateStyle: 'ISO, MDY', IntervalStyle: 'postgres' } as const;

function startupParameters(config: ConnectConfig): Record<string, string> {
  const parameters: Record<string, string> = {
    ...config.serverSettings,
    user: config.user,
    database: config.dbname,
    ...SESSION_SETTINGS,
  };
  const applicationName = config.applicationName ?? config.fallbackApplicationName;
  if (applicationName !== undefined) parameters.application_name = applicationName;
  if (config.options !== undefined) parameters.options = config.options;
  return parameters;
}

/**
 * Sends StartupMessage over an open (plain or TLS) stream, answers the
 * authentication requests, and collects ParameterStatus and BackendKeyData up
 * to ReadyForQuery; then emits the {@link Session}. Never completes; the stream
 * stays open until unsubscribe, which sends Terminate.
 */
export function startSession(
  socket: Duplex,
  config: ConnectConfig,
  target: HostTarget,
  transport: TransportInfo,
  options: SessionOptions,
): Observable<Session> {
  return new Observable<Session>((subscriber) => {
    const stream = new MessageStream(socket, preAuthLimit);
    const auth = new Authenticator(
      config,
      transport,
      () => options.password(target),
      options.maxScramIterations,
    );
    const parameters = new Map<string, string>();
    // Set at AuthenticationOk: from then on errors are not authentication failures.
    let authenticated = false;
    let backendKey: BackendKey | undefined;

    const method = transport.encrypted ? 'tls' : 'plain';
    const fail = (error: Error): void => {
      stream.handler = DETACHED;
      stream.fail(asRxpgError(error));
      subscriber.error(new AttemptFailure(error, recoveryFrom(error, authenticated), method));
    };

    const onMessage = (message: BackendMessage): void => {
      switch (message.name) {
        case 'authentication': {
          if (authenticated) throw unexpected(message);
          const reply = auth.respond(message.request);
          if (reply !== undefined) stream.write(reply);
          if (message.request.kind === 'ok') {
            authenticated = true;
            stream.limit = () => options.maxMessageSize;
          }
          return;
        }
        case 'parameterStatus':
          parameters.set(message.parameter, message.value);
          return;
        case 'backendKeyData':
          backendKey = { processId: message.processId, secretKey: message.secretKey };
          return;
        case 'notice':
          return;
        case 'error':
          fail(new DatabaseError(message.fields));
          return;
        case 'readyForQuery':
          if (!authenticated) throw unexpected(message);
          stream.handler = DETACHED;
          subscriber.next({
            stream,
            target,
            encrypted: transport.encrypted,
            parameters,
            backendKey,
            status: message.status,
          });
          return;
        default:
          throw unexpected(message);
      }
    };

    stream.handler = {
      row: () =>
        fail(new RxpgError(ErrorCode.ProtocolViolation, 'server sent a row during startup')),
      message: (message) => {
        try {
          onMessage(message);
        } catch (error) {
          fail(asRxpgError(error));
        }
      },
      // The connection broke or the server sent something unreadable: libpq gives up.
      failed: (error) => subscriber.error(new AttemptFailure(error, 'give-up', method)),
    };
    stream.write(serialize.startup(startupParameters(config)));

    return () => stream.close(serialize.end());
  });
}

/** SQLSTATE 57P03, cannot_connect_now: the server is starting up or shutting down. */
const CANNOT_CONNECT_NOW = '57P03';

/**
 * What libpq does after a failure during startup: a server that refused the session before
 * AuthenticationOk may accept another encryption (or, starting up, another host may be
 * ready); anything the client refused, and anything after AuthenticationOk, is final.
 */
function recoveryFrom(error: Error, authenticated: boolean): Recovery {
  if (authenticated || !(error instanceof DatabaseError)) return 'give-up';
  return error.code === CANNOT_CONNECT_NOW ? 'next-host' : 'next-encryption';
}

/**
 * Until a Connection takes the stream, its failures are reported by nobody but the socket owner.
 */
const DETACHED = {
  row: () => undefined,
  message: () => undefined,
  failed: () => undefined,
};

function unexpected(message: BackendMessage): RxpgError {
  return new RxpgError(
    ErrorCode.ProtocolViolation,
    `unexpected ${message.name} message during startup`,
  );
}
