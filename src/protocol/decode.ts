import { Parser } from 'pg-protocol/dist/parser';
import type {
  BackendKeyDataMessage,
  BackendMessage as PgMessage,
  CommandCompleteMessage,
  CopyDataMessage,
  CopyResponse,
  NotificationResponseMessage,
  NoticeMessage,
  ParameterDescriptionMessage,
  ParameterStatusMessage,
  ReadyForQueryMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages';
import { ErrorCode, RxpgError, type ServerMessageFields } from '../errors';
import { AuthCode, BackendCode, HEADER_SIZE } from './codes';
import type { AuthRequest, BackendMessage, TransactionStatus } from './messages';

/** Sizes of the fixed-length authentication requests, body only. */
const AUTH_CODE_SIZE = 4;
const MD5_SALT_SIZE = 4;

/**
 * Turns one framed message into a {@link BackendMessage}.
 *
 * Authentication requests and data rows are decoded here: pg-protocol reads an
 * 'R' message of an unexpected length as AuthenticationOk (a server could skip
 * authentication that way), and rows are left raw for the query's own column
 * parsers. Everything else goes through pg-protocol's parser.
 */
export class MessageDecoder {
  private readonly parser = new Parser();

  /**
   * Decodes the message whose body is `buffer[start, end)`. The replies every
   * small query gets are read in place; the others get a view of their own.
   */
  decodeAt(code: number, buffer: Buffer, start: number, end: number): BackendMessage {
    const length = end - start;
    switch (code) {
      case BackendCode.BindComplete:
        return emptyAt(length, BIND_COMPLETE);
      case BackendCode.ParseComplete:
        return emptyAt(length, PARSE_COMPLETE);
      case BackendCode.ReadyForQuery:
        return readyForQueryAt(buffer, start, length);
      case BackendCode.CommandComplete:
        return commandCompleteAt(buffer, start, end);
      default:
        return this.decode(code, buffer.subarray(start, end));
    }
  }

  private decode(code: number, body: Buffer): BackendMessage {
    switch (code) {
      case BackendCode.DataRow:
        return { name: 'dataRow', body };
      case BackendCode.CopyData:
        return { name: 'copyData', chunk: body };
      case BackendCode.Authentication:
        return { name: 'authentication', request: decodeAuthRequest(body) };
      case BackendCode.NegotiateProtocolVersion:
        return { name: 'negotiateProtocolVersion', newestMinor: readInt32(body, 0) };
      case BackendCode.BackendKeyData:
        // Protocol 3.0 keys are exactly four bytes; anything else would be misread.
        if (body.length !== 8) throw violation('BackendKeyData of an unexpected length');
        break;
      case BackendCode.CopyBothResponse:
        throw violation('CopyBothResponse (replication) is not supported');
      // Small fixed replies: read here, sparing a copy and a parser call each.
      case BackendCode.CloseComplete:
        return empty(body, CLOSE_COMPLETE);
      case BackendCode.NoData:
        return empty(body, NO_DATA);
      case BackendCode.PortalSuspended:
        return empty(body, PORTAL_SUSPENDED);
      case BackendCode.EmptyQueryResponse:
        return empty(body, EMPTY_QUERY);
      case BackendCode.ParameterDescription:
        return parameterDescription(body);
    }
    if (!KNOWN_CODES.has(code)) {
      throw violation(`unknown message type 0x${code.toString(16)}`);
    }
    return fromPgProtocol(this.parseWithPgProtocol(code, body));
  }

  private parseWithPgProtocol(code: number, body: Buffer): PgMessage {
    const frame = Buffer.allocUnsafe(HEADER_SIZE + body.length);
    frame[0] = code;
    frame.writeInt32BE(body.length + 4, 1);
    body.copy(frame, HEADER_SIZE);
    let parsed: PgMessage | undefined;
    try {
      this.parser.parse(frame, (message) => {
        parsed = message;
      });
    } catch (cause) {
      throw new RxpgError(ErrorCode.ProtocolViolation, 'server sent a malformed message', {
        cause,
      });
    }
    if (parsed === undefined) throw violation('server sent a message that could not be parsed');
    return parsed;
  }
}

const KNOWN_CODES = new Set<number>([
  BackendCode.BackendKeyData,
  BackendCode.BindComplete,
  BackendCode.CloseComplete,
  BackendCode.CommandComplete,
  BackendCode.CopyData,
  BackendCode.CopyDone,
  BackendCode.CopyInResponse,
  BackendCode.CopyOutResponse,
  BackendCode.EmptyQueryResponse,
  BackendCode.ErrorResponse,
  BackendCode.NoData,
  BackendCode.NoticeResponse,
  BackendCode.NotificationResponse,
  BackendCode.ParameterDescription,
  BackendCode.ParameterStatus,
  BackendCode.ParseComplete,
  BackendCode.PortalSuspended,
  BackendCode.ReadyForQuery,
  BackendCode.RowDescription,
]);

const PARSE_COMPLETE: BackendMessage = { name: 'parseComplete' };
const BIND_COMPLETE: BackendMessage = { name: 'bindComplete' };
const CLOSE_COMPLETE: BackendMessage = { name: 'closeComplete' };
const NO_DATA: BackendMessage = { name: 'noData' };
const PORTAL_SUSPENDED: BackendMessage = { name: 'portalSuspended' };
const EMPTY_QUERY: BackendMessage = { name: 'emptyQuery' };
const READY: Readonly<Record<string, BackendMessage>> = {
  I: { name: 'readyForQuery', status: 'I' },
  T: { name: 'readyForQuery', status: 'T' },
  E: { name: 'readyForQuery', status: 'E' },
};

/** A message that has no body. */
function empty(body: Buffer, message: BackendMessage): BackendMessage {
  return emptyAt(body.length, message);
}

function emptyAt(length: number, message: BackendMessage): BackendMessage {
  if (length !== 0) throw violation(`${message.name} with a body`);
  return message;
}

/** ReadyForQuery: one status byte, 'I', 'T' or 'E'. */
function readyForQueryAt(buffer: Buffer, start: number, length: number): BackendMessage {
  const message = length === 1 ? READY[String.fromCharCode(buffer[start])] : undefined;
  if (message === undefined) throw violation('malformed ReadyForQuery');
  return message;
}

/**
 * ParameterDescription: a count, then one type OID each. Read here because
 * pg-protocol takes the count as signed, which breaks past 32,767 parameters.
 */
function parameterDescription(body: Buffer): BackendMessage {
  if (body.length < 2) throw violation('malformed ParameterDescription');
  const count = body.readUInt16BE(0);
  if (body.length !== 2 + count * 4) throw violation('malformed ParameterDescription');
  const typeIds: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) typeIds[i] = body.readUInt32BE(2 + i * 4);
  return { name: 'parameterDescription', typeIds };
}

/** CommandComplete: the command tag, a NUL-terminated string. */
function commandCompleteAt(buffer: Buffer, start: number, end: number): BackendMessage {
  if (end === start || buffer[end - 1] !== 0) throw violation('malformed CommandComplete');
  return { name: 'commandComplete', tag: buffer.toString('utf8', start, end - 1) };
}

function violation(message: string): RxpgError {
  return new RxpgError(ErrorCode.ProtocolViolation, message);
}

function readInt32(body: Buffer, offset: number): number {
  if (body.length < offset + 4) throw violation('message too short');
  return body.readInt32BE(offset);
}

/** Decodes an 'R' message, insisting on the exact size of each fixed-size request. */
export function decodeAuthRequest(body: Buffer): AuthRequest {
  const code = readInt32(body, 0);
  const rest = body.subarray(AUTH_CODE_SIZE);
  const exact = (size: number): void => {
    if (rest.length !== size) throw violation(`authentication request ${code} of a wrong length`);
  };
  switch (code) {
    case AuthCode.Ok:
      exact(0);
      return { kind: 'ok' };
    case AuthCode.CleartextPassword:
      exact(0);
      return { kind: 'cleartext' };
    case AuthCode.Md5Password:
      exact(MD5_SALT_SIZE);
      return { kind: 'md5', salt: Buffer.from(rest) };
    case AuthCode.Sasl:
      return { kind: 'sasl', mechanisms: decodeMechanisms(rest) };
    case AuthCode.SaslContinue:
      return { kind: 'sasl-continue', data: Buffer.from(rest) };
    case AuthCode.SaslFinal:
      return { kind: 'sasl-final', data: Buffer.from(rest) };
    case AuthCode.KerberosV5:
    case AuthCode.Gss:
    case AuthCode.GssContinue:
    case AuthCode.Sspi:
      return { kind: 'unsupported', code };
    default:
      throw violation(`unknown authentication request ${code}`);
  }
}

/** A list of NUL-terminated mechanism names ended by an empty one. */
function decodeMechanisms(list: Buffer): string[] {
  const mechanisms: string[] = [];
  let offset = 0;
  for (;;) {
    const end = list.indexOf(0, offset);
    if (end < 0) throw violation('unterminated SASL mechanism list');
    if (end === offset) break;
    mechanisms.push(list.toString('utf8', offset, end));
    offset = end + 1;
  }
  if (offset + 1 !== list.length) throw violation('trailing bytes after SASL mechanism list');
  return mechanisms;
}

function fields(source: NoticeMessage | ServerMessageFields): ServerMessageFields {
  return {
    severity: source.severity,
    code: source.code,
    message: source.message,
    detail: source.detail,
    hint: source.hint,
    position: source.position,
    internalPosition: source.internalPosition,
    internalQuery: source.internalQuery,
    where: source.where,
    schema: source.schema,
    table: source.table,
    column: source.column,
    dataType: source.dataType,
    constraint: source.constraint,
    file: source.file,
    line: source.line,
    routine: source.routine,
  };
}

const TRANSACTION_STATUSES: ReadonlySet<string> = new Set(['I', 'T', 'E']);

/** Re-shapes pg-protocol's messages into rxpg's discriminated union. */
function fromPgProtocol(message: PgMessage): BackendMessage {
  switch (message.name) {
    case 'parseComplete':
    case 'bindComplete':
    case 'closeComplete':
    case 'noData':
    case 'portalSuspended':
    case 'emptyQuery':
    case 'copyDone':
      return { name: message.name };
    case 'error':
    case 'notice':
      return { name: message.name, fields: fields(message as NoticeMessage) };
    case 'backendKeyData': {
      const key = message as BackendKeyDataMessage;
      return { name: 'backendKeyData', processId: key.processID, secretKey: key.secretKey };
    }
    case 'parameterStatus': {
      const status = message as ParameterStatusMessage;
      return {
        name: 'parameterStatus',
        parameter: status.parameterName,
        value: status.parameterValue,
      };
    }
    case 'readyForQuery': {
      const { status } = message as ReadyForQueryMessage;
      if (!TRANSACTION_STATUSES.has(status)) throw violation(`bad transaction status ${status}`);
      return { name: 'readyForQuery', status: status as TransactionStatus };
    }
    case 'rowDescription':
      return {
        name: 'rowDescription',
        fields: (message as RowDescriptionMessage).fields.map((f) => ({
          name: f.name,
          tableId: f.tableID,
          columnId: f.columnID,
          typeId: f.dataTypeID,
          typeSize: f.dataTypeSize,
          typeModifier: f.dataTypeModifier,
          format: f.format,
        })),
      };
    case 'commandComplete':
      return { name: 'commandComplete', tag: (message as CommandCompleteMessage).text };
    case 'notification': {
      const note = message as NotificationResponseMessage;
      return {
        name: 'notification',
        processId: note.processId,
        channel: note.channel,
        payload: note.payload,
      };
    }
    case 'parameterDescription':
      return {
        name: 'parameterDescription',
        typeIds: (message as ParameterDescriptionMessage).dataTypeIDs,
      };
    case 'copyInResponse':
    case 'copyOutResponse':
      return { name: message.name, binary: (message as CopyResponse).binary };
    case 'copyData':
      return { name: 'copyData', chunk: (message as CopyDataMessage).chunk };
    default:
      throw violation(`unexpected message ${message.name}`);
  }
}
