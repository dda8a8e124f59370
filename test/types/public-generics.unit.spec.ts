/**
 * Type tests of the public generics: `npm run typecheck` (and ts-jest) compile this file, so a
 * signature that stops inferring what users rely on fails CI. The assertions are types; the one
 * runtime test only keeps Jest from reporting an empty file.
 */
import type { Observable } from 'rxjs';
import type {
  CacheLookup,
  RateLimitAlgorithm,
  StoreErrorCode,
  StorePatternMessage,
  StoreService,
  StreamEntry,
  StreamMessage,
} from '../../lib/index.js';
import { StoreCommandError, StoreError } from '../../lib/index.js';

/** `true` only when `A` and `B` are the same type (not merely assignable either way). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

interface User {
  id: number;
  name: string;
}

/** Never called: only type-checked. */
function signatures(store: StoreService): void {
  expectType<Equal<ReturnType<typeof store.get<User>>, Promise<User | null>>>();
  expectType<Equal<ReturnType<typeof store.mget<User>>, Promise<Array<User | null>>>>();

  // getOrSet infers the value from the loader, sync or async.
  const loaded = store.getOrSet('user:1', async () => ({ id: 1, name: 'Ada' }));
  expectType<Equal<typeof loaded, Promise<{ id: number; name: string }>>>();
  const counted = store.getOrSet('n', () => 42);
  expectType<Equal<typeof counted, Promise<number>>>();
  const withStatus = store.getOrSetWithStatus('user:1', async (): Promise<User> => ({
    id: 1,
    name: 'Ada',
  }));
  expectType<Equal<typeof withStatus, Promise<CacheLookup<User>>>>();

  // Pub/sub and streams carry the message type through.
  expectType<Equal<ReturnType<typeof store.channel<User>>, Observable<User>>>();
  expectType<
    Equal<ReturnType<typeof store.pattern<User>>, Observable<StorePatternMessage<User>>>
  >();
  expectType<Equal<ReturnType<typeof store.stream<User>>, Observable<StreamMessage<User>>>>();
  expectType<Equal<ReturnType<typeof store.replay<User>>, Observable<StreamEntry<User>>>>();
  // @ts-expect-error: publish<User> takes a User
  void store.publish<User>('users', { id: 'not a number', name: 'x' });

  // Namespaces are stores.
  expectType<Equal<ReturnType<typeof store.namespace>, StoreService>>();
}

/** Closed unions: a typo is a compile error, not a silent mismatch. */
function unions(error: StoreError): void {
  expectType<
    Equal<
      RateLimitAlgorithm,
      'fixed-window' | 'sliding-window' | 'sliding-log' | 'token-bucket' | 'gcra'
    >
  >();
  const code: StoreErrorCode = error.code;
  // @ts-expect-error: not a StoreErrorCode
  void (code === 'STORE_NOT_A_CODE');
  if (error instanceof StoreCommandError) {
    // The reply code is optional: a command error need not come from a Redis reply.
    expectType<Equal<undefined extends typeof error.replyCode ? true : false, true>>();
  }
}

describe('public generics', () => {
  it('are checked by the compiler (this file type-checks)', () => {
    expect([typeof signatures, typeof unions]).toEqual(['function', 'function']);
  });
});
