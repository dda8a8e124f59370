import type { Observable, Subscription } from 'rxjs';
import { StoreConnectionError, type StoreService } from '../../lib/index.js';
import { sleep, waitFor } from '../contract/store-fixture.js';

/** Everything an Observable did, recorded for assertions. */
export interface Recorded<T> {
  values: T[];
  errors: unknown[];
  completed: boolean;
  subscription: Subscription;
}

export function record<T>(source: Observable<T>, onValue?: (value: T) => void): Recorded<T> {
  const recorded: Recorded<T> = {
    values: [],
    errors: [],
    completed: false,
    subscription: undefined as unknown as Subscription,
  };
  recorded.subscription = source.subscribe({
    next: (value) => {
      recorded.values.push(value);
      onValue?.(value);
    },
    error: (error: unknown) => recorded.errors.push(error),
    complete: () => {
      recorded.completed = true;
    },
  });
  return recorded;
}

/** A probe message: `untilLive` publishes it until an observer sees one. */
export const PROBE = '__probe__';

/**
 * Pub/sub drops what is published before the SUBSCRIBE is confirmed, and an Observable does not
 * say when that is: publish probes on `channel` until `seen()` reports one arrived.
 */
export async function untilLive(
  store: StoreService,
  channel: string,
  seen: () => boolean,
): Promise<void> {
  await waitFor(
    async () => {
      if (seen()) return true;
      // The command connection may still be reconnecting (calls then fail at once): probe again.
      const published = await store.publish(channel, PROBE).catch((error: unknown) => {
        if (error instanceof StoreConnectionError) return null;
        throw error;
      });
      if (published === null) return false;
      await sleep(10);
      return seen();
    },
    5_000,
    `a live subscription to "${channel}"`,
  );
}

/** The recorded values without probes. */
export const withoutProbes = <T>(values: T[]): T[] =>
  values.filter((value) => value !== PROBE && (value as { message?: unknown })?.message !== PROBE);
