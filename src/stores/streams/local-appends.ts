/**
 * Appends announced within this process, so a waiting read on the same SQLite file is woken at once instead of
 * on its poll loop's next tick. Process-wide rather than per store: two stores opened on the same file in one
 * process share one connection, whose own commits its `PRAGMA data_version` does not report.
 */

type Listener = (streamId: string) => void;

const listeners = new Map<string, Set<Listener>>();

/** Calls `listener` with the stream of every append announced on `channel`; the returned function stops it. */
export function onLocalAppend(channel: string, listener: Listener): () => void {
  let set = listeners.get(channel);
  if (!set) {
    set = new Set();
    listeners.set(channel, set);
  }
  set.add(listener);
  const registered = set;
  return () => {
    registered.delete(listener);
    if (registered.size === 0 && listeners.get(channel) === registered) listeners.delete(channel);
  };
}

/** Tells the listeners on `channel` that `streamId` has new entries (after the append's commit). */
export function announceLocalAppend(channel: string, streamId: string): void {
  for (const listener of listeners.get(channel) ?? []) listener(streamId);
}
