import { EventDecodeError } from '@lib/contracts';
import { ZodError } from 'zod';

/**
 * An error that retrying cannot fix (a business rule violated, bad data inside a valid event). Throw it from
 * a handler to skip the retries: the message goes straight to the dead-letter topic.
 */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** True for errors that retrying cannot fix: PermanentError, decode errors, zod validation errors. */
export function isPermanentError(error: unknown): boolean {
  if (error instanceof PermanentError || error instanceof EventDecodeError || error instanceof ZodError) {
    return true;
  }
  // Errors from another copy of a module (or other libs) that follow the same convention.
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/**
 * Thrown by a handler for an event that must be acknowledged and dropped, not handled: e.g. a late event of
 * a conversation that was deleted. Its unit of work rolls back (nothing it wrote stays), it is not retried
 * and not dead-lettered; the pipeline logs it at debug level and moves on.
 */
export class DiscardedEventError extends Error {
  readonly permanent = true;
  readonly discarded = true;
  constructor(message: string) {
    super(message);
    this.name = 'DiscardedEventError';
  }
}

/** True for DiscardedEventError (or an error of another copy of the module following the convention). */
export function isDiscardedEvent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { discarded?: unknown }).discarded === true;
}

/** A message whose processing was interrupted by shutdown: it is neither committed nor dead-lettered. */
export class DeliveryAbortedError extends Error {
  constructor() {
    super('delivery aborted: the transport is closing');
    this.name = 'DeliveryAbortedError';
  }
}

/** A readable one-line message for any thrown value (headers, logs). */
export function errorMessage(error: unknown): string {
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    return `ZodError: ${issues.join('; ')}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message);
  }
  return String(error);
}
