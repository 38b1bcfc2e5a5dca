import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { DeliveryAbortedError, isPermanentError } from './errors';

/** How a failing handler is retried before its message is dead-lettered. */
export interface RetryOptions {
  /** Handler attempts in total, the first one included. */
  readonly maxAttempts: number;
  /** Delay before the first retry; it grows exponentially, with decorrelated jitter. */
  readonly initialDelayMs: number;
  /** Upper bound of one delay. maxAttempts × maxDelayMs bounds how long a poison message holds its partition. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5000 };

export function resolveRetryOptions(options: Partial<RetryOptions> = {}): RetryOptions {
  const resolved = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new Error(`retry.maxAttempts must be a positive integer, got ${resolved.maxAttempts}`);
  }
  return resolved;
}

/** Retries transient errors only: permanent errors and shutdown aborts fail at once. */
export function createRetryPolicy(options: RetryOptions): RetryPolicy {
  return retry(
    handleWhen((error) => !isPermanentError(error) && !(error instanceof DeliveryAbortedError)),
    {
      maxAttempts: options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs }),
    },
  );
}
