import { AssertionError } from 'node:assert';

/**
 * How often `waitFor` checks again: soon enough to notice at once, rarely enough to leave the
 * backend alone.
 */
const POLL_MS = 5;

/**
 * Resolves once `condition` holds, checking it again every few milliseconds; rejects with an
 * `AssertionError` naming `what` if it still does not hold after `timeoutMs`. A deadline instead of
 * a fixed sleep: on a fast machine the wait is as short as the backend allows, on a busy one it
 * simply lasts longer.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline)
      throw new AssertionError({ message: `Timed out after ${timeoutMs} ms waiting for ${what}` });
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Settles as `promise` does, or rejects with an `AssertionError` naming `what` if it has not
 * settled after `timeoutMs` (for something that must end, such as a blocking read when its reader
 * closes).
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AssertionError({ message: `Timed out after ${timeoutMs} ms waiting for ${what}` }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
