import { firstValueFrom, take } from 'rxjs';

import { connect, type ConnectOptions } from '../../../src/connection/connect';
import { DatabaseError, RxpgError } from '../../../src/errors';
import {
  authOk,
  authSasl,
  authSaslContinue,
  authSaslFinal,
  readSaslInitial,
  sessionStart,
} from './backend-messages';
import type { FakeServer, FakeSession, FrontendMessage } from './fake-server';
import { ScramServer, type ScramServerOptions } from './scram-server';

/** The password every scripted exchange expects. */
export const PASSWORD = 'correct horse pässword';

/** What a connection attempt against a scripted server came to. */
export type Result = 'connected' | `error:${string}`;

/**
 * Connects to a scripted server on 127.0.0.1 (never anything else) as alice with
 * {@link PASSWORD}, with a connect_timeout so that a hang fails fast, and closes again.
 * Resolves with the error, or undefined when the connection was made.
 */
export async function connectError(
  server: FakeServer,
  params: Record<string, string> = {},
  options: ConnectOptions = {},
): Promise<unknown> {
  try {
    await firstValueFrom(
      connect(
        {
          host: '127.0.0.1',
          port: String(server.port),
          user: 'alice',
          dbname: 'db',
          password: PASSWORD,
          connect_timeout: '5',
          ...params,
        },
        { env: { HOME: '/nonexistent-rxpg-home' }, ...options },
      ).pipe(take(1)),
    );
    return undefined;
  } catch (error) {
    return error;
  }
}

/** {@link connectError} as `connected` or `error:<code>`; an uncoded error fails the test. */
export async function attempt(
  server: FakeServer,
  params: Record<string, string> = {},
  options: ConnectOptions = {},
): Promise<Result> {
  const error = await connectError(server, params, options);
  if (error === undefined) return 'connected';
  if (error instanceof RxpgError) return `error:${error.code}`;
  if (error instanceof DatabaseError) return `error:${error.code}`;
  throw error;
}

/** Every message clients sent to the server after their StartupMessage. */
export function sent(server: FakeServer): FrontendMessage[] {
  return server.messages.flat();
}

/** True when no PasswordMessage/SASL response ('p') reached the server. */
export function noPasswordMessage(server: FakeServer): boolean {
  return sent(server).every((m) => m.type !== 'p');
}

/** True when the password's bytes appear nowhere in what reached the server. */
export function passwordNeverSeen(server: FakeServer): boolean {
  const secret = Buffer.from(PASSWORD);
  return (
    server.raw.every((bytes) => !bytes.includes(secret)) &&
    sent(server).every((m) => !m.body.includes(secret))
  );
}

/** Sends `request` and waits for whatever the client does next (an answer, or closing). */
export async function askAndWait(session: FakeSession, request: Buffer): Promise<void> {
  session.send(request);
  await session.next().catch(() => undefined);
  await session.closed();
}

/**
 * A script that runs SCRAM with `mechanisms` offered and, unless `stopAfter` says otherwise,
 * sends AuthenticationOk and a session start. The exchange is kept for assertions.
 */
export function scramScript(
  mechanisms: readonly string[],
  options: Partial<ScramServerOptions> & {
    /** Send AuthenticationOk right after the client's final message, without SASLFinal. */
    readonly skipFinal?: boolean;
  } = {},
): { script: (session: FakeSession) => Promise<void>; exchanges: ScramServer[] } {
  const exchanges: ScramServer[] = [];
  const script = async (session: FakeSession): Promise<void> => {
    session.send(authSasl(mechanisms));
    const initial = readSaslInitial((await session.next()).body);
    const scram = new ScramServer({ password: PASSWORD, ...options });
    exchanges.push(scram);
    scram.mechanism = initial.mechanism;
    session.send(authSaslContinue(scram.first(initial.data)));
    const final = (await session.next()).body.toString('utf8');
    const serverFinal = scram.final(final);
    if (!options.skipFinal) session.send(authSaslFinal(serverFinal));
    session.send(Buffer.concat([authOk(), sessionStart()]));
    await session.closed();
  };
  return { script, exchanges };
}
