/**
 * BEGIN and START TRANSACTION are the only statements that leave a session
 * inside a transaction block. A statement pipelined behind one of them would
 * run in that transaction and be rolled back with it when the connection is
 * made clean, so SQL holding either word, anywhere (a DO block's BEGIN, a
 * column called start), never shares a connection. Cheap and on the safe side.
 */
const OPENS_TRANSACTION = /\b(?:begin|start)\b/i;

/**
 * `sql` when it may share a pooled connection with other statements,
 * pipelined (it cannot leave the connection in a transaction); undefined
 * when it needs a connection of its own.
 * @internal
 */
export function sharing(sql: string): string | undefined {
  return OPENS_TRANSACTION.test(sql) ? undefined : sql;
}
