import type { FieldDescription } from '../protocol/messages';

const NONE: readonly string[] = [];

/** A named statement prepared on the server by an earlier request. */
export interface PreparedStatement {
  readonly name: string;
  readonly sql: string;
  /** Set at ParseComplete: the server has the statement. */
  parsed: boolean;
  /** From ParameterDescription: how many parameters Bind must carry. */
  parameterCount: number | undefined;
  /** From RowDescription (empty for NoData): the columns of every execution. */
  fields: readonly FieldDescription[] | undefined;
}

/**
 * A bounded cache of named statements, keyed by SQL text, least recently used
 * first out. Evicted statements are closed on the server with the next
 * request ({@link takeClosing}), so the server does not keep them either.
 */
export class StatementCache {
  /** Map order is use order: the first key is the least recently used. */
  private readonly statements = new Map<string, PreparedStatement>();
  /** Names of evicted statements the server still holds. */
  private closing: string[] = [];
  private counter = 0;
  /** The statement last moved to the end of the use order. */
  private lastUsed: PreparedStatement | undefined;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.statements.size;
  }

  /** The statement for `sql`, marked as just used. */
  get(sql: string): PreparedStatement | undefined {
    const statement = this.statements.get(sql);
    // The one used last is already last in the Map: a statement run over and over moves not.
    if (statement !== undefined && statement !== this.lastUsed) {
      this.statements.delete(sql);
      this.statements.set(sql, statement);
      this.lastUsed = statement;
    }
    return statement;
  }

  /** A new statement for `sql`, evicting the least recently used one when full. */
  add(sql: string): PreparedStatement {
    this.remove(sql);
    while (this.statements.size >= this.capacity) {
      const oldest = this.statements.keys().next();
      if (oldest.done === true) break;
      this.remove(oldest.value);
    }
    const statement: PreparedStatement = {
      name: `rxpg_${++this.counter}`,
      sql,
      parsed: false,
      parameterCount: undefined,
      fields: undefined,
    };
    this.statements.set(sql, statement);
    this.lastUsed = statement;
    return statement;
  }

  /**
   * Forgets `sql`'s statement (only if it is `which`, when given); if the server
   * has it, it is closed with the next request.
   */
  remove(sql: string, which?: PreparedStatement): void {
    const statement = this.statements.get(sql);
    if (statement === undefined || (which !== undefined && statement !== which)) return;
    this.statements.delete(sql);
    if (statement.parsed) this.closing.push(statement.name);
  }

  /**
   * ParseComplete: the server holds `statement`. One evicted while its Parse was
   * on the wire (pipelining) was not closed then, so it is closed now.
   */
  parsed(statement: PreparedStatement): void {
    statement.parsed = true;
    if (this.statements.get(statement.sql) !== statement) this.closing.push(statement.name);
  }

  /** Forgets everything without closing: the server dropped its statements (DISCARD ALL). */
  forgetAll(): void {
    this.statements.clear();
    this.closing = [];
  }

  /** Names to close before the next request's own messages. */
  takeClosing(): readonly string[] {
    if (this.closing.length === 0) return NONE;
    const names = this.closing;
    this.closing = [];
    return names;
  }
}
