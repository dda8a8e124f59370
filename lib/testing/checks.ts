import assert from 'node:assert/strict';
import { StoreCommandError, type StoreReplyCode } from '../errors/store.errors.js';

/** A thrown value as a short text, for assertion messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Asserts that `promise` rejects with a `StoreCommandError` (a refusal by the store, which callers
 * tell from a connection failure) whose `replyCode` is `reply` when given (`WRONGTYPE`, `NOGROUP`:
 * StoreService and the stream consumer recognise those by that field).
 */
export async function rejectsWithCommandError(
  promise: Promise<unknown>,
  what: string,
  reply?: StoreReplyCode,
): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => {
      assert.ok(
        error instanceof StoreCommandError,
        `${what}: expected a StoreCommandError, got ${describeError(error)}`,
      );
      if (reply !== undefined)
        assert.equal(
          error.replyCode,
          reply,
          `${what}: expected the error's replyCode to be ${reply} ("${error.message}")`,
        );
      return true;
    },
    `${what}: expected a StoreCommandError, but it resolved`,
  );
}

/** Asserts a PTTL reply is a live TTL of at most `maxMs` (so it was set in ms, not seconds). */
export function assertTtl(pttl: number, maxMs: number, what: string): void {
  assert.ok(
    Number.isInteger(pttl) && pttl > 0 && pttl <= maxMs,
    `${what}: expected a TTL in (0, ${maxMs}] ms, got ${pttl}`,
  );
}

/**
 * Asserts a PTTL reply is a TTL of at most `maxMs`, or -2 when a busy machine let it run out
 * already.
 */
export function assertTtlOrGone(pttl: number, maxMs: number, what: string): void {
  if (pttl !== -2) assertTtl(pttl, maxMs, what);
}
