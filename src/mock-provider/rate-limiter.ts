import { type RateLimitWindow } from './provider';

const WINDOW_MS = 60_000;
/** Above this many tracked keys, expired windows are swept so that key churn cannot grow memory forever. */
const SWEEP_THRESHOLD = 10_000;

interface KeyWindow {
  startedAt: number;
  count: number;
}

/** The decision for one request, with the window state to advertise in headers. */
export interface RateLimitDecision extends RateLimitWindow {
  allowed: boolean;
}

/**
 * Fixed 60-second windows per API key, like the per-minute request limits of the real providers.
 * Rejected requests do not use up the window, so a client that waits out Retry-After gets in.
 */
export class KeyRateLimiter {
  private readonly windows = new Map<string, KeyWindow>();

  take(key: string, limit: number, now: number): RateLimitDecision {
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      if (this.windows.size >= SWEEP_THRESHOLD) this.sweep(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    const resetInMs = window.startedAt + WINDOW_MS - now;
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetInMs };
    window.count++;
    return { allowed: true, limit, remaining: limit - window.count, resetInMs };
  }

  clear(): void {
    this.windows.clear();
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
    }
  }
}
