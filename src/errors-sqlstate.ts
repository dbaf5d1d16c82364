/**
 * SQLSTATE codes a program commonly acts on, and the classes they belong to
 * (PostgreSQL's Appendix A). A {@link DatabaseError}'s `code` is one of these,
 * or another code of the same classes; compare it with these constants.
 *
 * @example
 * client.executeStatement('insert into users (email) values ($1)', [email]).subscribe({
 *   error: (e) => {
 *     if (e instanceof DatabaseError && e.code === SqlState.UniqueViolation) showTaken(email);
 *   },
 * });
 */
export const SqlState = {
  SuccessfulCompletion: '00000',
  Warning: '01000',
  NoData: '02000',
  ConnectionException: '08000',
  ConnectionFailure: '08006',
  ProtocolViolation: '08P01',
  FeatureNotSupported: '0A000',
  InvalidTransactionInitiation: '0B000',
  CardinalityViolation: '21000',
  DataException: '22000',
  StringDataRightTruncation: '22001',
  NumericValueOutOfRange: '22003',
  NullValueNotAllowed: '22004',
  InvalidDatetimeFormat: '22007',
  DatetimeFieldOverflow: '22008',
  DivisionByZero: '22012',
  CharacterNotInRepertoire: '22021',
  InvalidParameterValue: '22023',
  InvalidTextRepresentation: '22P02',
  InvalidBinaryRepresentation: '22P03',
  UntranslatableCharacter: '22P05',
  IntegrityConstraintViolation: '23000',
  RestrictViolation: '23001',
  NotNullViolation: '23502',
  ForeignKeyViolation: '23503',
  UniqueViolation: '23505',
  CheckViolation: '23514',
  ExclusionViolation: '23P01',
  InvalidCursorState: '24000',
  InvalidTransactionState: '25000',
  ActiveSqlTransaction: '25001',
  ReadOnlySqlTransaction: '25006',
  NoActiveSqlTransaction: '25P01',
  InFailedSqlTransaction: '25P02',
  IdleInTransactionSessionTimeout: '25P03',
  InvalidSqlStatementName: '26000',
  InvalidAuthorizationSpecification: '28000',
  InvalidPassword: '28P01',
  InvalidCursorName: '34000',
  InvalidCatalogName: '3D000',
  InvalidSchemaName: '3F000',
  TransactionRollback: '40000',
  SerializationFailure: '40001',
  StatementCompletionUnknown: '40003',
  DeadlockDetected: '40P01',
  SyntaxErrorOrAccessRuleViolation: '42000',
  InsufficientPrivilege: '42501',
  SyntaxError: '42601',
  UndefinedColumn: '42703',
  UndefinedFunction: '42883',
  UndefinedTable: '42P01',
  UndefinedParameter: '42P02',
  UndefinedObject: '42704',
  DuplicateColumn: '42701',
  DuplicateObject: '42710',
  DuplicateTable: '42P07',
  AmbiguousColumn: '42702',
  DatatypeMismatch: '42804',
  WrongObjectType: '42809',
  InsufficientResources: '53000',
  DiskFull: '53100',
  OutOfMemory: '53200',
  TooManyConnections: '53300',
  ProgramLimitExceeded: '54000',
  StatementTooComplex: '54001',
  ObjectNotInPrerequisiteState: '55000',
  LockNotAvailable: '55P03',
  OperatorIntervention: '57000',
  QueryCanceled: '57014',
  AdminShutdown: '57P01',
  CrashShutdown: '57P02',
  CannotConnectNow: '57P03',
  DatabaseDropped: '57P04',
  IdleSessionTimeout: '57P05',
  RaiseException: 'P0001',
  NoDataFound: 'P0002',
  TooManyRows: 'P0003',
  AssertFailure: 'P0004',
  InternalError: 'XX000',
} as const;

export type SqlState = (typeof SqlState)[keyof typeof SqlState];

/**
 * The classes of SQLSTATE: a code's first two characters. Acting on a class
 * covers codes a newer server may add to it.
 *
 * @example
 * if (sqlStateClass(error.code) === SqlStateClass.IntegrityConstraintViolation) ...
 */
export const SqlStateClass = {
  SuccessfulCompletion: '00',
  Warning: '01',
  NoData: '02',
  SqlStatementNotYetComplete: '03',
  ConnectionException: '08',
  TriggeredActionException: '09',
  FeatureNotSupported: '0A',
  InvalidTransactionInitiation: '0B',
  LocatorException: '0F',
  InvalidGrantor: '0L',
  InvalidRoleSpecification: '0P',
  DiagnosticsException: '0Z',
  CaseNotFound: '20',
  CardinalityViolation: '21',
  DataException: '22',
  IntegrityConstraintViolation: '23',
  InvalidCursorState: '24',
  InvalidTransactionState: '25',
  InvalidSqlStatementName: '26',
  TriggeredDataChangeViolation: '27',
  InvalidAuthorizationSpecification: '28',
  DependentPrivilegeDescriptorsStillExist: '2B',
  InvalidTransactionTermination: '2D',
  SqlRoutineException: '2F',
  InvalidCursorName: '34',
  ExternalRoutineException: '38',
  ExternalRoutineInvocationException: '39',
  SavepointException: '3B',
  InvalidCatalogName: '3D',
  InvalidSchemaName: '3F',
  TransactionRollback: '40',
  SyntaxErrorOrAccessRuleViolation: '42',
  WithCheckOptionViolation: '44',
  InsufficientResources: '53',
  ProgramLimitExceeded: '54',
  ObjectNotInPrerequisiteState: '55',
  OperatorIntervention: '57',
  SystemError: '58',
  ConfigurationFileError: 'F0',
  ForeignDataWrapperError: 'HV',
  PlpgsqlError: 'P0',
  InternalError: 'XX',
} as const;

export type SqlStateClass = (typeof SqlStateClass)[keyof typeof SqlStateClass];

/**
 * The class of a SQLSTATE code: its first two characters.
 *
 * @example
 * sqlStateClass('23505'); // '23', SqlStateClass.IntegrityConstraintViolation
 */
export function sqlStateClass(code: string): string {
  return code.slice(0, 2);
}

/** The name of a code's class in {@link SqlStateClass}, or undefined for a class not listed. */
export function sqlStateClassName(code: string): keyof typeof SqlStateClass | undefined {
  const prefix = sqlStateClass(code);
  for (const [name, value] of Object.entries(SqlStateClass)) {
    if (value === prefix) return name as keyof typeof SqlStateClass;
  }
  return undefined;
}

/**
 * True for errors that a retry of the whole transaction may cure: serialization
 * failures and deadlocks (class 40).
 *
 * @example
 * const retryable = (e: unknown) => e instanceof DatabaseError && isTransactionRollback(e.code);
 */
export function isTransactionRollback(code: string): boolean {
  return sqlStateClass(code) === SqlStateClass.TransactionRollback;
}
