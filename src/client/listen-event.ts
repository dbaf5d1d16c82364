/**
 * What happens to the Client's listening connection, for listeners that must
 * not miss a notification silently:
 * - `listening`: LISTEN on `channel` took effect; notifications sent from now
 *   on are delivered. Emitted for the first subscriber of a channel, and for
 *   every channel again after a reconnection.
 * - `disconnected`: the listening connection was lost (or could not be made);
 *   notifications sent until the next `listening` are missed. rxpg reconnects
 *   and listens again by itself.
 *
 * @example
 * // Reload the state whenever notifications may have been missed.
 * client.listenEvents$
 *   .pipe(filter((e) => e.kind === 'listening' && e.channel === 'orders'))
 *   .subscribe(() => reloadOrders());
 */
export type ListenEvent =
  | { readonly kind: 'listening'; readonly channel: string }
  | { readonly kind: 'disconnected'; readonly error: unknown };

/** The longest identifier PostgreSQL keeps (NAMEDATALEN - 1), in bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * The channel name as the server keeps it: cut, like every identifier, to 63
 * bytes on a character boundary. Notifications carry this name.
 * @internal
 */
export function serverChannelName(channel: string): string {
  if (Buffer.byteLength(channel) <= MAX_IDENTIFIER_BYTES) return channel;
  let bytes = 0;
  let end = 0;
  for (const character of channel) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_IDENTIFIER_BYTES) break;
    end += character.length;
  }
  return channel.slice(0, end);
}
