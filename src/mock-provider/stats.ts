import { CallLog, type MockCall, type MockCallLog } from './call-log';
import { type EndpointId } from './endpoint-ids';

/** Counters since start or since the last reset. */
export interface MockStats {
  /** Provider requests received (control routes such as `/_mock/stats` are not counted). */
  total: number;
  /** Requests per endpoint id, e.g. `'openai.chat'`. */
  byEndpoint: Record<string, number>;
  /** Requests per API key, as sent by the client. Requests without a key are not counted here. */
  byKey: Record<string, number>;
  /** Answers per outcome: the HTTP status (`'200'`, `'429'`…) or `'hang'` / `'malformed'`. */
  byStatus: Record<string, number>;
  /** Requests whose client closed the connection before the mock answered (a hang, or during latency). */
  abortedConnections: number;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Mutable counters and the log of answered calls; every update is O(1) so that stats never slow a benchmark down. */
export class StatsRecorder {
  private stats: MockStats = StatsRecorder.empty();
  private readonly log = new CallLog();

  private static empty(): MockStats {
    return { total: 0, byEndpoint: {}, byKey: {}, byStatus: {}, abortedConnections: 0 };
  }

  /** Counts a provider request as soon as its endpoint and key are known. */
  recordRequest(endpoint: EndpointId, apiKey: string | undefined): void {
    this.stats.total++;
    increment(this.stats.byEndpoint, endpoint);
    if (apiKey !== undefined) increment(this.stats.byKey, apiKey);
  }

  /** Counts the outcome a request got. */
  recordOutcome(outcome: string): void {
    increment(this.stats.byStatus, outcome);
  }

  /** Logs a request once its successful answer has been sent; requests cut off before that are never paid calls. */
  recordCall(call: MockCall): void {
    this.log.record(call);
  }

  recordAbortedConnection(): void {
    this.stats.abortedConnections++;
  }

  /** A copy, so callers can keep it while the counters move on. */
  snapshot(): MockStats {
    const { total, byEndpoint, byKey, byStatus, abortedConnections } = this.stats;
    return { total, byEndpoint: { ...byEndpoint }, byKey: { ...byKey }, byStatus: { ...byStatus }, abortedConnections };
  }

  /** A copy of the call log, oldest call first. */
  calls(): MockCallLog {
    return this.log.snapshot();
  }

  /** Clears the counters and the call log. */
  reset(): void {
    this.stats = StatsRecorder.empty();
    this.log.clear();
  }
}
