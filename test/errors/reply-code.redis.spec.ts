/**
 * `replyCode` end to end on real servers, where the library acts on it: a durable stream whose key
 * holds another type errors its Observable (retrying cannot fix WRONGTYPE) instead of retrying, on
 * standalone and on a Cluster. (The drivers' refusals themselves are asserted by the driver
 * contract; `increment` turning WRONGTYPE into `StoreWrongTypeError` by the Redis names contract.)
 */
import { StoreCommandError, type StoreModuleOptions } from '../../lib/index.js';
import { StoreFixtures } from '../contract/store-fixture.js';
import { clusterNodes, harnessInfo } from '../support/harness-info.js';

describe.each<[string, () => StoreModuleOptions]>([
  ['Redis standalone', () => ({ redis: harnessInfo().standaloneUrl })],
  ['Redis Cluster (3 masters)', () => ({ redis: { cluster: { nodes: clusterNodes() } } })],
])('replyCode on %s', (_name, connection) => {
  const fixtures = new StoreFixtures(connection);
  afterAll(() => fixtures.closeAll());

  it('a stream over a key of another type errors with StoreCommandError (replyCode WRONGTYPE) rather than retrying', async () => {
    const { store, prefix } = await fixtures.open();
    await store.client.set(`${prefix}plain`, 'not a stream');
    const outcome = await new Promise((resolve) => {
      store
        .stream('plain', { group: 'g', consumer: 'c' })
        .subscribe({ error: resolve, complete: () => resolve('completed') });
    });
    expect(outcome).toBeInstanceOf(StoreCommandError);
    expect(outcome).toMatchObject({ code: 'STORE_COMMAND', replyCode: 'WRONGTYPE' });
  });

  it('increment of a key of another type is a StoreWrongTypeError, read from the replyCode', async () => {
    const { store, prefix } = await fixtures.open();
    await store.client.rpush(`${prefix}list`, 'item');
    await expect(store.increment('list')).rejects.toMatchObject({
      code: 'STORE_WRONG_TYPE',
      key: 'list',
    });
  });
});
