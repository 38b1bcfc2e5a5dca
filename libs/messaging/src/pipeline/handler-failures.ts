import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Nest's RPC exception filter turns whatever a handler throws into an error Observable carrying only
 * `{ status: 'error', message: 'Internal server error' }`, and a custom filter may even swallow it. The
 * pipeline needs the original error (permanent or not, its message for the dead-letter headers) and must
 * never take a swallowed error for a success. `@OnEvent` methods record what they throw in this slot, which
 * the pipeline opens around each invocation.
 */
interface FailureSlot {
  failed: boolean;
  error: unknown;
}

const failures = new AsyncLocalStorage<FailureSlot>();

export function recordHandlerFailure(error: unknown): void {
  const slot = failures.getStore();
  if (slot && !slot.failed) {
    slot.failed = true;
    slot.error = error;
  }
}

/**
 * Runs `invoke` and rejects with the handler's original error if the handler threw, even when an exception
 * filter replaced or swallowed it.
 */
export async function withHandlerFailures(invoke: () => Promise<void>): Promise<void> {
  const slot: FailureSlot = { failed: false, error: undefined };
  try {
    await failures.run(slot, invoke);
  } catch (error) {
    throw slot.failed ? slot.error : error;
  }
  if (slot.failed) throw slot.error;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Wraps a handler method so that what it throws (or rejects with) is recorded, then rethrown unchanged. */
export function wrapHandlerMethod(original: Method): Method {
  const wrapped: Method = function (this: unknown, ...args: unknown[]): unknown {
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      recordHandlerFailure(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        recordHandlerFailure(error);
        throw error;
      });
    }
    return result;
  };
  // Keep what other decorators (guards, interceptors, pipes) stored on the method.
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
  }
  Object.defineProperty(wrapped, 'name', { value: original.name });
  return wrapped;
}
