/**
 * Records kept by id in creation order, at most `capacity` of them, so a mock that runs for days keeps a
 * bounded memory. Past the cap the oldest record that `isDone` allows to go is dropped; when every record
 * is still needed, {@link BoundedRecords.add} refuses the new one and the caller answers as the real
 * provider does when too much is queued.
 */
export class BoundedRecords<T> {
  private readonly records = new Map<string, T>();

  constructor(
    readonly capacity: number,
    private readonly isDone: (record: T) => boolean,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
  }

  /** Adds a record, dropping the oldest finished one when full; false (and nothing added) when none can go. */
  add(id: string, record: T): boolean {
    if (this.records.size >= this.capacity && !this.dropOldestDone()) return false;
    this.records.set(id, record);
    return true;
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  delete(id: string): boolean {
    return this.records.delete(id);
  }

  /** Oldest first. */
  values(): IterableIterator<T> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  clear(): void {
    this.records.clear();
  }

  private dropOldestDone(): boolean {
    for (const [id, record] of this.records) {
      if (this.isDone(record)) {
        this.records.delete(id);
        return true;
      }
    }
    return false;
  }
}
