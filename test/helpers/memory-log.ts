import { Writable } from 'node:stream';

/** A log destination that keeps every line, for tests that read what a logger wrote. */
export class MemoryLog extends Writable {
  readonly lines: string[] = [];
  private pending = '';
  private waiters: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending += chunk.toString();
    let end = this.pending.indexOf('\n');
    while (end >= 0) {
      this.add(this.pending.slice(0, end));
      this.pending = this.pending.slice(end + 1);
      end = this.pending.indexOf('\n');
    }
    done();
  }

  /** Resolves with the first line (already written or still to come) that `matches`. */
  lineMatching(matches: (line: string) => boolean): Promise<string> {
    const found = this.lines.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  /** The lines parsed as JSON (for a logger in the JSON format). */
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  private add(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.matches(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
}
