import type { Locator } from 'playwright-core';

/**
 * Web-first waits for playwright-core (which has no `expect`): poll the page until the condition holds, or
 * fail with what the page showed last.
 */
const DEFAULT_TIMEOUT = 30_000;

async function poll<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  describe: (value: T | undefined) => string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // not there yet (detached, navigating): retry
    }
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${describe(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Waits until `locator`'s text matches `pattern`; returns the text. */
export async function toContainText(
  locator: Locator,
  pattern: RegExp | string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<string> {
  const matches = (text: string): boolean =>
    typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
  return poll(
    async () => (await locator.first().innerText({ timeout: 1_000 })) ?? '',
    matches,
    (text) => `${locator.toString()} should contain ${String(pattern)}, had ${JSON.stringify(text)}`,
    timeoutMs,
  );
}

/** Waits until the form control's value matches `pattern`; returns the value. */
export async function toHaveValue(
  locator: Locator,
  pattern: RegExp,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<string> {
  return poll(
    () => locator.inputValue({ timeout: 1_000 }),
    (value) => pattern.test(value),
    (value) =>
      `${locator.toString()} should have a value matching ${String(pattern)}, had ${JSON.stringify(value)}`,
    timeoutMs,
  );
}

export async function toBeVisible(locator: Locator, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
}

export async function toBeHidden(locator: Locator, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** Waits until `locator` matches at least `n` elements; returns the count. */
export async function toHaveAtLeast(
  locator: Locator,
  n: number,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<number> {
  return poll(
    () => locator.count(),
    (count) => count >= n,
    (count) => `${locator.toString()} should match at least ${n} elements, matched ${count}`,
    timeoutMs,
  );
}
