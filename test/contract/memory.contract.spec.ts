import { describeStoreContract } from './store.contract.js';
import { StoreFixtures } from './store-fixture.js';

describeStoreContract('memory driver', () => ({ driver: 'memory' }));

describe('memory driver bounds', () => {
  const fixtures = new StoreFixtures(() => ({ driver: 'memory' }));
  afterAll(() => fixtures.closeAll());

  it('keeps at most memory.maxEntries entries, evicting the least recently used', async () => {
    const { store } = await fixtures.open({ memory: { maxEntries: 3 } });
    await store.set('a', 1);
    await store.set('b', 2);
    await store.set('c', 3);
    await store.get('a');
    await store.set('d', 4);
    expect(await store.mget(['a', 'b', 'c', 'd'])).toEqual([1, null, 3, 4]);
  });

  it('treats an entry whose tag was evicted as invalidated', async () => {
    const { store } = await fixtures.open({ memory: { maxEntries: 2 } });
    await store.set('tagged', 1, { tags: ['t'] });
    await store.set('filler', 2);
    await store.get('filler');
    await store.get('tagged');
    expect(await store.get('tagged')).toBeNull();
  });
});
