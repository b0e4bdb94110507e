/**
 * The one retry loop: bounded attempts, retrying only what the caller says is transient, with an optional
 * backoff between attempts. Every place that retries (lost races, serialization failures, dropped connections)
 * goes through here so that no loop is unbounded and each says what it retries.
 */
export interface RetryOptions {
  /** Total attempts, the first included (≥ 1). */
  attempts: number;
  /** Whether a failure is worth another attempt. */
  retryOn(error: unknown): boolean;
  /** Milliseconds to wait before attempt `n` (2, 3, …); none when omitted. */
  delayMs?(attempt: number): number;
}

export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.retryOn(error)) throw error;
      const delay = options.delayMs?.(attempt + 1) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^(attempt-2))]. */
export function exponentialJitter(baseMs: number, capMs: number): (attempt: number) => number {
  return (attempt) => Math.random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 2));
}
